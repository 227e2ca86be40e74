classdef Core < handle
    % xbar.Core  One matrix programmed onto simulated crossbar arrays (wraps an xbar_core).
    %
    %   core = xbar.Core(params, rows, cols)        params: xbar.Params, struct or JSON file name
    %   core = xbar.Core(params, rows, cols, seed)  seed: the core's only source of randomness (default 0)
    %
    %   core.program(W)       writes W (rows x cols; double, single or complex)
    %   W = core.read()       the effective weights as stored now (also read('single'), read('complex'))
    %   Y = core * X          MVM, Y = W*X through the arrays: X is cols x batch, Y rows x batch
    %   Y = X * core          VMM, Y = X*W through the arrays: X is batch x rows, Y batch x cols
    %   core.update(X, D, lr) W += lr * D * X.' through the device update model (X cols x batch, D rows x batch)
    %   core.setTime(t)       moves the arrays to their drifted state t seconds after programming
    %                         (no change unless a drift model is enabled in the parameters)
    %   core.save(path)       saves the whole state to a file; core = xbar.Core.load(path) restores it
    %   b = core.serialize()  the same state as a uint8 row vector; core = xbar.Core.deserialize(b)
    %   s = core.exportSpice(x)  ngspice netlist (char) of the first array for the MVM input x (cols values)
    %   delete(core)          frees the C object (also done by clear / going out of scope)
    %
    % A restored core continues bit for bit as the saved one. It does not know
    % its seed (seed is []) nor whether it is complex: give a restored complex
    % core complex data, and read it with read('complex').
    %
    % The results have the class of the input (double, single, complex double).
    % Errors have identifiers xbar:<STATUS> (xbar:SHAPE, xbar:NOT_PROGRAMMED,
    % xbar:UNSUPPORTED, ...) and the library's message.

    properties (SetAccess = private)
        rows = 0            % rows of W (outputs of an MVM)
        cols = 0            % columns of W (inputs of an MVM)
        seed = 0
        complexMatrix = false
        complexInput = false
    end

    properties (Access = private, Transient)
        h = uint64(0)       % id of the object in the MEX gateway's table
    end

    methods
        function obj = Core(params, rows, cols, seed)
            if nargin == 1 && isa(params, 'uint64')
                % xbar.Core(id): takes over a core the gateway created (load, deserialize).
                obj.h = params;
                sz = xbar_mex('core_size', obj.h);
                obj.rows = sz(1);
                obj.cols = sz(2);
                obj.seed = [];
                return
            end
            if nargin < 3
                error('xbar:usage', 'xbar.Core(params, rows, cols [, seed])');
            end
            if nargin < 4
                seed = 0;
            end
            if ~isa(params, 'xbar.Params')
                params = xbar.Params(params);
            end
            obj.h = xbar_mex('core_new', params.handleId(), rows, cols, seed);
            obj.rows = double(rows);
            obj.cols = double(cols);
            obj.seed = seed;
            obj.complexMatrix = logical(params.get('core.complex_matrix'));
            obj.complexInput = logical(params.get('core.complex_input'));
        end

        function delete(obj)
            if obj.h ~= 0
                xbar_mex('core_free', obj.h);
                obj.h = uint64(0);
            end
        end

        function program(obj, W)
            % core.program(W): W is rows x cols (passed column-major, not copied).
            W = obj.data(W, obj.complexMatrix);
            xbar_mex('core_program', obj.h, W);
        end

        function W = read(obj, cls)
            % W = core.read() / read('single') / read('complex'): rows x cols.
            if nargin < 2
                if obj.complexMatrix
                    cls = 'complex';
                else
                    cls = 'double';
                end
            end
            W = xbar_mex('core_read', obj.h, cls);
        end

        function Y = mvm(obj, X)
            % Y = core.mvm(X) = W*X through the arrays; X is cols x batch.
            Y = xbar_mex('core_mvm', obj.h, obj.data(X, obj.complexData()));
        end

        function Y = vmm(obj, X)
            % Y = core.vmm(X) = X*W through the arrays; X is batch x rows.
            Xt = obj.data(X, obj.complexData()).';    % rows x batch: the row-major batch x rows the C API takes
            Yt = xbar_mex('core_vmm', obj.h, Xt);
            Y = Yt.';
        end

        function Y = mtimes(a, b)
            % core * X (MVM) and X * core (VMM).
            if isa(a, 'xbar.Core') && isa(b, 'xbar.Core')
                error('xbar:usage', 'xbar.Core: cannot multiply two cores');
            elseif isa(a, 'xbar.Core')
                Y = a.mvm(b);
            else
                Y = b.vmm(a);
            end
        end

        function update(obj, X, D, lr)
            % core.update(X, D, lr): W += lr * D * X.' (X cols x batch, D rows x batch).
            xbar_mex('core_update', obj.h, obj.data(X, false), obj.data(D, false), lr);
        end

        function setTime(obj, seconds)
            % core.setTime(t): drift to t seconds after programming.
            xbar_mex('core_set_time', obj.h, seconds);
        end

        function A = arrays(obj)
            % A = core.arrays(): the physical arrays of the programmed core, a struct
            % array with fields tileRow, tileCol, row0, col0 (0-based tile indices and
            % first weight row/column), role ('single', 'positive' = G+, 'negative' = G-),
            % slice (BITSLICED weight slice, 0 = least significant), rows, cols and
            % offset (0-based index of the first cell in the C API's flat list).
            info = xbar_mex('core_arrays', obj.h);
            roles = {'single', 'positive', 'negative'};
            A = struct('tileRow', {}, 'tileCol', {}, 'row0', {}, 'col0', {}, 'role', {}, ...
                       'slice', {}, 'rows', {}, 'cols', {}, 'offset', {});
            for k = 1:size(info, 2)
                f = info(:, k);
                A(k) = struct('tileRow', f(1), 'tileCol', f(2), 'row0', f(3), 'col0', f(4), ...
                              'role', roles{f(5) + 1}, 'slice', f(6), 'rows', f(7), ...
                              'cols', f(8), 'offset', f(9));
            end
        end

        function G = conductances(obj)
            % G = core.conductances(): every cell's conductance in siemens, a cell array
            % with one rows x cols matrix per array in the order of core.arrays()
            % (stored values: programming error, updates, drift; no read noise).
            A = obj.arrays();
            g = xbar_mex('core_conductances', obj.h);
            G = cell(1, numel(A));
            for k = 1:numel(A)
                cells = g(A(k).offset + (1:A(k).rows * A(k).cols));
                G{k} = reshape(cells, A(k).cols, A(k).rows).';  % row-major in the C API
            end
        end

        function f = driftCompensation(obj)
            % f = core.driftCompensation(): the global drift compensation factor outputs
            % are multiplied by now (1 without xbar.device.drift_compensation or before
            % any setTime).
            f = xbar_mex('core_drift_compensation', obj.h);
        end

        function save(obj, path)
            % core.save(path): the whole state (parameters, conductances, random-stream
            % counters, lookup tables) to the file path, written atomically.
            xbar_mex('core_save', obj.h, path);
        end

        function bytes = serialize(obj)
            % bytes = core.serialize(): the whole state as a uint8 row vector (a saved file's content).
            bytes = xbar_mex('core_serialize', obj.h);
        end

        function deck = exportSpice(obj, x)
            % deck = core.exportSpice(x): an ngspice netlist (char) of the core's first array
            % for the MVM input x (cols real values, weight units), with xbar's own output
            % currents as comment lines '* xbar i(vy<k>) = <amperes>'.
            deck = xbar_mex('core_export_spice', obj.h, obj.data(x, false));
        end

        function report = costJson(obj)
            % report = core.costJson(): the cost report of the reads as JSON text (char):
            % "last_call" and "since_program" (energy by component in J, latency in s,
            % event counts) and "area_m2" in m^2. Decode it with jsondecode.
            report = xbar_mex('core_cost_json', obj.h);
        end

        function costReset(obj)
            % core.costReset(): clears the cost counters ("last_call" and "since_program").
            xbar_mex('core_cost_reset', obj.h);
        end
    end

    methods (Static)
        function core = load(path)
            % core = xbar.Core.load(path): the core saved in the file path.
            core = xbar.Core(xbar_mex('core_load', path));
        end

        function core = deserialize(bytes)
            % core = xbar.Core.deserialize(bytes): the core whose state core.serialize() returned.
            core = xbar.Core(xbar_mex('core_deserialize', bytes));
        end
    end

    methods (Access = private)
        function c = complexData(obj)
            c = obj.complexMatrix || obj.complexInput;
        end

        function A = data(~, A, makeComplex)
            % double / single / complex double, as the gateway takes them.
            if ~(isnumeric(A) || islogical(A))
                error('xbar:usage', 'xbar.Core: data must be numeric, not %s', class(A));
            end
            if ~isfloat(A)
                A = double(A);
            end
            if makeComplex && isreal(A)
                A = complex(double(A));     % MATLAB and Octave store real-valued data as real
            end
        end
    end
end
