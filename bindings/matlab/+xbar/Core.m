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
