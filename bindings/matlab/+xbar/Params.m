classdef Params < handle
    % xbar.Params  A parameter set of xbar (wraps an xbar_params of the C API).
    %
    %   p = xbar.Params()                  the defaults (ideal devices and periphery)
    %   p = xbar.Params(s)                 from a struct in xbar's or CrossSim's layout
    %   p = xbar.Params(file)              from a JSON file (xbar or CrossSim 3.x)
    %   p = xbar.Params.preset(name)       'default', 'ISAAC', 'ISAAC-SarADC', 'PRIME', 'SONOS-TCAS',
    %                                      'aihwkit-inference', 'aihwkit-hwa'
    %   p = xbar.Params.fromJson(text)     from JSON text
    %
    %   p.set(path, value)     one parameter; path is dotted ('xbar.adc.mvm.bits'); value is a
    %                          number, logical, char, struct or cell, encoded as JSON
    %   p.setJson(path, text)  the same with JSON text ('"SarADC"', '[-8, 8]')
    %   v = p.get(path)        the value (jsondecode of getJson)
    %   t = p.getJson(path)    the value as JSON text; a group path gives an object
    %   t = p.toJson()         the whole set as JSON text
    %   s = p.toStruct()       the whole set as a struct
    %   q = p.copy()           an independent copy
    %
    % Keys that are absent keep their defaults; unknown keys and bad values are
    % errors naming the path. Errors have identifiers xbar:<STATUS>, e.g.
    % xbar:PARAMS, xbar:PARSE. A core copies its parameters: changing or
    % deleting p afterwards does not affect cores made from it.

    properties (Access = private, Transient)
        h = uint64(0)   % id of the object in the MEX gateway's table
    end

    methods
        function obj = Params(src, kind)
            % xbar.Params(), xbar.Params(struct), xbar.Params(jsonFile)
            if nargin == 0
                obj.h = xbar_mex('params_new');
                return
            end
            if nargin < 2
                if isstruct(src)
                    kind = 'struct';
                else
                    kind = 'file';
                end
            end
            switch kind
                case 'struct'
                    obj.h = xbar_mex('params_from_json', xbar.Params.encode(src));
                case 'file'
                    if ~(ischar(src) || isa(src, 'string'))
                        error('xbar:usage', 'xbar.Params: give a struct or the name of a JSON file');
                    end
                    src = char(src);
                    if exist(src, 'file') ~= 2
                        error('xbar:IO', 'xbar.Params: cannot find the JSON file "%s"', src);
                    end
                    obj.h = xbar_mex('params_from_json', fileread(src));
                case 'json'
                    obj.h = xbar_mex('params_from_json', char(src));
                case 'preset'
                    obj.h = xbar_mex('params_preset', char(src));
                otherwise
                    error('xbar:usage', 'xbar.Params: unknown source kind "%s"', kind);
            end
        end

        function delete(obj)
            % Frees the C object (also runs on clear and when the last reference goes).
            if obj.h ~= 0
                xbar_mex('params_free', obj.h);
                obj.h = uint64(0);
            end
        end

        function set(obj, path, value)
            % p.set(path, value): value as a MATLAB value, encoded as JSON.
            obj.setJson(path, xbar.Params.encode(value));
        end

        function setJson(obj, path, text)
            % p.setJson(path, text): value as JSON text.
            xbar_mex('params_set', obj.h, char(path), char(text));
        end

        function v = get(obj, path)
            % v = p.get(path): the value, decoded from JSON.
            v = jsondecode(obj.getJson(path));
        end

        function t = getJson(obj, path)
            t = xbar_mex('params_get', obj.h, char(path));
        end

        function t = toJson(obj)
            t = xbar_mex('params_to_json', obj.h);
        end

        function s = toStruct(obj)
            s = jsondecode(obj.toJson());
        end

        function q = copy(obj)
            q = xbar.Params(obj.toJson(), 'json');
        end
    end

    methods (Hidden)
        function id = handleId(obj)
            % The gateway id, for xbar.Core.
            id = obj.h;
        end
    end

    methods (Static)
        function p = preset(name)
            % p = xbar.Params.preset(name): a preset shipped with xbar.
            p = xbar.Params(name, 'preset');
        end

        function p = fromJson(text)
            % p = xbar.Params.fromJson(text): from JSON text.
            p = xbar.Params(text, 'json');
        end

        function t = encode(v)
            % JSON text of a MATLAB value: numbers with 17 significant digits (exact),
            % logical, char, struct (objects), cell and vectors (arrays), NaN as null.
            if isa(v, 'string')
                v = char(v);
            end
            if ischar(v)
                t = xbar.Params.quote(v);
            elseif isstruct(v)
                if numel(v) ~= 1
                    parts = arrayfun(@(e) xbar.Params.encode(e), v(:)', 'UniformOutput', false);
                    t = ['[' strjoin(parts, ',') ']'];
                    return
                end
                f = fieldnames(v);
                parts = cell(1, numel(f));
                for k = 1:numel(f)
                    key = f{k};
                    if strcmp(key, 'x_match')      % MATLAB's jsondecode renames CrossSim's "_match"
                        key = '_match';
                    end
                    parts{k} = [xbar.Params.quote(key) ':' xbar.Params.encode(v.(f{k}))];
                end
                t = ['{' strjoin(parts, ',') '}'];
            elseif iscell(v)
                parts = cellfun(@(e) xbar.Params.encode(e), v(:)', 'UniformOutput', false);
                t = ['[' strjoin(parts, ',') ']'];
            elseif islogical(v) || isnumeric(v)
                if ~isreal(v)
                    error('xbar:usage', 'xbar.Params: JSON has no complex numbers');
                end
                if isscalar(v)
                    t = xbar.Params.number(v);
                elseif isvector(v) || isempty(v)
                    parts = arrayfun(@(e) xbar.Params.number(e), v(:)', 'UniformOutput', false);
                    t = ['[' strjoin(parts, ',') ']'];
                else                             % a matrix: an array of its rows
                    rows = arrayfun(@(r) xbar.Params.encode(v(r, :)), 1:size(v, 1), 'UniformOutput', false);
                    t = ['[' strjoin(rows, ',') ']'];
                end
            else
                error('xbar:usage', 'xbar.Params: cannot encode a %s as JSON', class(v));
            end
        end
    end

    methods (Static, Access = private)
        function t = number(x)
            if islogical(x)
                if x
                    t = 'true';
                else
                    t = 'false';
                end
            elseif isnan(x)
                t = 'null';
            elseif isinf(x)
                error('xbar:usage', 'xbar.Params: JSON has no infinite numbers');
            elseif isinteger(x)
                t = sprintf('%d', x);
            else
                t = sprintf('%.17g', double(x));
            end
        end

        function t = quote(s)
            s = char(s);
            out = cell(1, numel(s));
            for k = 1:numel(s)
                c = s(k);
                if c == '"' || c == '\'
                    out{k} = ['\' c];
                elseif double(c) < 32
                    out{k} = sprintf('\\u%04x', double(c));
                else
                    out{k} = c;
                end
            end
            t = ['"' [out{:}] '"'];
        end
    end
end
