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
    %   delete(core)          frees the C object (also done by clear / going out of scope)
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
