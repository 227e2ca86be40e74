function ok = test_xbar(prefix, outdir)
% test_xbar  Tests of the MATLAB / GNU Octave bindings (bindings/matlab).
%
%   ok = test_xbar(prefix, outdir)
%
% Builds the MEX gateway with xbar.build against the xbar installed in
% `prefix` (scripts/install.sh), writing it to `outdir`, then runs every
% test_* below and prints one line per test and "N passed, M failed".
% tests/bindings/octave.sh runs it with octave-cli; it uses nothing
% Octave-specific, so MATLAB can run it too.
here = fileparts(mfilename('fullpath'));
repo = fileparts(fileparts(fileparts(here)));
addpath(fullfile(repo, 'bindings', 'matlab'));
xbar.build(prefix, outdir, '-Wall', '-Wextra', '-Werror');
addpath(outdir);

tests = {@test_version, @test_params, @test_params_sources, @test_params_errors, @test_core, ...
         @test_core_errors, @test_update_and_set_time, @test_save_load_and_spice, @test_single, @test_complex, ...
         @test_handles_and_lifetime, @test_reference_case, @test_readme_example, @test_aihwkit};
passed = 0;
failed = 0;
for k = 1:numel(tests)
    name = func2str(tests{k});
    try
        tests{k}(repo);
        passed = passed + 1;
        fprintf('ok      %s\n', name);
    catch err
        failed = failed + 1;
        fprintf('FAILED  %s: %s (%s)\n', name, err.message, err.identifier);
        if ~isempty(err.stack)
            fprintf('        at %s line %d\n', err.stack(1).name, err.stack(1).line);
        end
    end
end
fprintf('octave: %d passed, %d failed\n', passed, failed);
ok = failed == 0;
end

% ------------------------------------------------------------------ helpers

function check(cond, what)
if ~all(cond(:))
    error('test:check', 'check failed: %s', what);
end
end

function expect_error(f, id, needle)
% Runs f(), which must raise an error with identifier id whose message contains needle.
try
    f();
catch err
    check(strcmp(err.identifier, id), sprintf('identifier %s, expected %s ("%s")', err.identifier, id, err.message));
    check(isempty(needle) || ~isempty(strfind(err.message, needle)), sprintf('message "%s" lacks "%s"', err.message, needle));
    return
end
error('test:check', 'no error raised (expected %s)', id);
end

function W = weights_6x5()
[I, J] = ndgrid(0:5, 0:4);
W = mod(3 * I + 5 * J, 7) / 4 - 0.75;
end

function X = inputs_5x3()
[J, B] = ndgrid(0:4, 0:2);
X = mod(B + 2 * J, 5) / 4 - 0.5;
end

% ------------------------------------------------------------------ tests

function test_version(~)
v = xbar_mex('version');
check(~isempty(regexp(v, '^\d+\.\d+\.\d+$', 'once')), ['version ' v]);
end

function test_params(~)
p = xbar.Params();
check(p.get('xbar.adc.mvm.bits') == 0, 'default bits');
p.set('xbar.adc.mvm.bits', 8);
check(p.get('xbar.adc.mvm.bits') == 8, 'bits set');
check(strcmp(p.getJson('xbar.adc.mvm.bits'), '8'), 'getJson');
p.set('xbar.adc.mvm.model', 'QuantizerADC');
check(strcmp(p.get('xbar.adc.mvm.model'), 'QuantizerADC'), 'string value');
p.set('xbar.adc.mvm.calibrated_range', [-8 8]);
check(isequal(p.get('xbar.adc.mvm.calibrated_range'), [-8; 8]), 'vector value');
p.set('xbar.device.Vread', 0.1);
check(p.get('xbar.device.Vread') == 0.1, 'a double survives exactly');
p.set('core.complex_input', true);
check(p.get('core.complex_input') == true, 'logical value');
p.setJson('core.complex_input', 'false');
p.set('xbar.dac.mvm', struct('model', 'QuantizerDAC', 'bits', 6));
check(p.get('xbar.dac.mvm.bits') == 6, 'struct value');
g = p.get('xbar.dac.mvm');
check(isstruct(g) && strcmp(g.model, 'QuantizerDAC'), 'group as struct');

t = p.toJson();
check(t(1) == '{' && t(end) == '}', 'toJson');
q = xbar.Params.fromJson(t);
check(strcmp(q.toJson(), t), 'JSON round trip');
r = p.copy();
r.set('xbar.adc.mvm.bits', 4);
check(p.get('xbar.adc.mvm.bits') == 8 && r.get('xbar.adc.mvm.bits') == 4, 'copy is independent');
s = p.toStruct();
check(isstruct(s) && s.xbar.adc.mvm.bits == 8, 'toStruct');
d = xbar.Params.preset('default');
check(d.get('core.rows_max') > 0, 'preset');
check(xbar.Params.preset('ISAAC').get('xbar.adc.mvm.bits') > 0, 'ISAAC preset');
check(strcmp(xbar.Params.encode(struct('a', {1, 2})), '[{"a":1},{"a":2}]'), 'struct array');
check(strcmp(xbar.Params.encode({'x', int8(3), [], NaN}), '["x",3,[],null]'), 'cell');
check(strcmp(xbar.Params.encode(sprintf('q"\\\n')), '"q\"\\\u000a"'), 'string escapes');
check(strcmp(xbar.Params.encode([1 2; 3 4]), '[[1,2],[3,4]]'), 'matrix');
end

function test_params_sources(~)
s = struct('xbar', struct('adc', struct('mvm', struct('model', 'QuantizerADC', 'bits', 6))));
p = xbar.Params(s);
check(p.get('xbar.adc.mvm.bits') == 6, 'from a struct');
f = [tempname() '.json'];
fid = fopen(f, 'w');
fprintf(fid, '%s', xbar.Params.preset('ISAAC').toJson());
fclose(fid);
q = xbar.Params(f);
delete(f);
check(strcmp(q.toJson(), xbar.Params.preset('ISAAC').toJson()), 'from a JSON file');
t = struct('core', struct('mapping', struct('inputs', struct('x_match', true))));   % MATLAB's name for "_match"
check(strcmp(xbar.Params.encode(t), '{"core":{"mapping":{"inputs":{"_match":true}}}}'), 'x_match');
check(xbar.Params(t).get('core.mapping.inputs._match') == true, '_match accepted');
end

function test_params_errors(~)
p = xbar.Params();
expect_error(@() xbar.Params.preset('no-such-preset'), 'xbar:PARAMS', 'no-such-preset');
expect_error(@() xbar.Params.fromJson('{not json'), 'xbar:PARSE', 'xbar_params_from_json');
expect_error(@() p.set('xbar.adc.mvm.no_such_key', 1), 'xbar:PARAMS', 'no_such_key');
expect_error(@() p.setJson('xbar.adc.mvm.bits', 'eight'), 'xbar:PARSE', '');
expect_error(@() p.set('xbar.adc.mvm.bits', -3), 'xbar:PARAMS', 'bits');
expect_error(@() p.get('no.such.path'), 'xbar:PARAMS', 'unknown key');
expect_error(@() xbar.Params('/no/such/file.json'), 'xbar:IO', 'file.json');
expect_error(@() xbar.Params(42), 'xbar:usage', '');
expect_error(@() p.set('xbar.adc.mvm.bits', Inf), 'xbar:usage', 'infinite');
check(p.get('xbar.adc.mvm.bits') == 0, 'failures leave the set unchanged');
end

function test_core(~)
W = weights_6x5();
X = inputs_5x3();
core = xbar.Core(xbar.Params.preset('default'), 6, 5, 1);
check(core.rows == 6 && core.cols == 5 && core.seed == 1, 'sizes');
core.program(W);
Y = core * X;
check(isequal(size(Y), [6 3]) && isa(Y, 'double'), 'MVM size');
check(max(abs(Y(:) - reshape(W * X, [], 1))) < 1e-5, 'MVM = W*X');
check(isequal(core.mvm(X), Y), 'mvm method');
% A batch is one float32 GEMM, one vector a double-precision sum (docs/models.md, section 4).
check(max(abs(core * X(:, 2) - Y(:, 2))) < 1e-6, 'one vector');
Wr = core.read();
check(isequal(size(Wr), [6 5]) && max(abs(Wr(:) - W(:))) < 1e-6, 'read');
V = [0.25 -0.5 0 0.75 1 -1; 0.5 0.5 -0.25 0 0.25 -0.75];      % batch 2 x rows 6
Z = V * core;
check(isequal(size(Z), [2 5]), 'VMM size');
check(max(max(abs(Z - V * W))) < 1e-5, 'VMM = V*W');
check(isequal(core.vmm(V), Z), 'vmm method');
core2 = xbar.Core(struct(), 6, 5, 1);                 % params from a struct (all defaults)
core2.program(int8(W * 4));                          % integers become double
check(max(max(abs(core2.read() - W * 4))) < 1e-5, 'integer matrix');
end

function test_core_errors(~)
W = weights_6x5();
X = inputs_5x3();
core = xbar.Core(xbar.Params(), 6, 5);
expect_error(@() core * X, 'xbar:NOT_PROGRAMMED', '');
expect_error(@() core.read(), 'xbar:NOT_PROGRAMMED', '');
expect_error(@() core.program(W'), 'xbar:SHAPE', '');
core.program(W);
expect_error(@() core * ones(6, 2), 'xbar:SHAPE', '');
expect_error(@() ones(2, 5) * core, 'xbar:SHAPE', '');
Xn = X;
Xn(3, 1) = NaN;
expect_error(@() core * Xn, 'xbar:INVALID_ARGUMENT', 'x[2]');
expect_error(@() core.program(W + Inf), 'xbar:INVALID_ARGUMENT', '');
expect_error(@() core * core, 'xbar:usage', '');
expect_error(@() core * ones(5, 2, 2), 'xbar:usage', '2-D');
expect_error(@() core * {1}, 'xbar:usage', '');
expect_error(@() xbar.Core(xbar.Params(), 0, 5), 'xbar:SHAPE', '');
expect_error(@() xbar.Core(xbar.Params(), -1, 5), 'xbar:usage', 'rows');
check(max(abs(reshape(core * X - W * X, [], 1))) < 1e-5, 'failures left the core unchanged');
end

function test_update_and_set_time(~)
core = xbar.Core(xbar.Params.preset('default'), 6, 5);
core.program(weights_6x5());
X = inputs_5x3();
before = core.read();
core.update(X, ones(6, 3), 0.0);
assert(isequal(core.read(), before), 'an update with lr = 0 changes nothing');
core.update(single(X), single(ones(6, 3)), 0.01);
assert(~isequal(core.read(), before), 'an update changes the weights');
expect_error(@() core.update(X, ones(6, 3), -0.1), 'xbar:INVALID_ARGUMENT', 'lr');
expect_error(@() core.update(X, ones(6, 2), 0.1), 'xbar:SHAPE', 'xbar_core_update');
expect_error(@() core.update(X, ones(5, 3), 0.1), 'xbar:SHAPE', '');
Y0 = core * X;
core.setTime(3600);                      % no drift model enabled: nothing changes
check(isequal(core * X, Y0), 'setTime without drift leaves the outputs unchanged');
expect_error(@() core.setTime(NaN), 'xbar:INVALID_ARGUMENT', 'seconds');
expect_error(@() core.setTime(-1), 'xbar:INVALID_ARGUMENT', 'seconds');
fresh = xbar.Core(xbar.Params(), 6, 5);
expect_error(@() fresh.setTime(1), 'xbar:NOT_PROGRAMMED', '');

% what the core holds: arrays, conductances (siemens), the drift compensation factor
A = core.arrays();
G = core.conductances();
check(numel(A) >= 1 && numel(G) == numel(A), 'one conductance matrix per array');
check(all(arrayfun(@(a) any(strcmp(a.role, {'single', 'positive', 'negative'})), A)), 'array roles');
check(all(cellfun(@(g, a) isequal(size(g), [a.rows, a.cols]), G, num2cell(A))), 'conductance matrices have the arrays'' shapes');
gmax = 1 / xbar.Params().get('xbar.device.Rmin');
check(all(cellfun(@(g) all(g(:) >= 0 & g(:) <= gmax * (1 + 1e-12)), G)), 'conductances within [0, Gmax]');
check(core.driftCompensation() == 1, 'no drift compensation without a drift model');
expect_error(@() fresh.conductances(), 'xbar:NOT_PROGRAMMED', '');
end

function test_save_load_and_spice(~)
p = xbar.Params.preset('default');
p.set('xbar.device.read_noise', struct('enable', true, 'model', 'NormalIndependentDevice', 'magnitude', 0.05));
core = xbar.Core(p, 6, 5, 3);
core.program(weights_6x5());
X = inputs_5x3();
core.update(X, ones(6, 3), 0.01);
bytes = core.serialize();
check(isa(bytes, 'uint8') && size(bytes, 1) == 1 && numel(bytes) > 100, 'serialize: uint8 row');
path = [tempname() '.xbar'];
core.save(path);
fid = fopen(path, 'r');
file = fread(fid, Inf, 'uint8=>uint8')';
fclose(fid);
check(isequal(file, bytes), 'the saved file holds the serialized bytes');
a = xbar.Core.load(path);
b = xbar.Core.deserialize(bytes);
delete(path);
check(a.rows == 6 && a.cols == 5 && isempty(a.seed) && b.rows == 6, 'restored sizes');
Y = core * X;                            % read noise: the next draws continue bit for bit
check(isequal(a * X, Y) && isequal(b * X, Y), 'restored cores continue bit for bit');
core.update(X, ones(6, 3), 0.01);
a.update(X, ones(6, 3), 0.01);
check(isequal(a.read(), core.read()), 'restored core updates bit for bit');
expect_error(@() xbar.Core.deserialize(bytes(1:end - 1)), 'xbar:PARSE', '');
expect_error(@() xbar.Core.deserialize(double(bytes)), 'xbar:usage', 'uint8');
expect_error(@() xbar.Core.load([path '.missing']), 'xbar:IO', 'missing');

q = xbar.Params();
q.set('xbar.array.parasitics', struct('enable', true, 'Rp_row', 1.0, 'Rp_col', 2.0));
sc = xbar.Core(q, 2, 2, 5);
expect_error(@() sc.exportSpice([0.5 -1]), 'xbar:NOT_PROGRAMMED', '');
sc.program([0.5 -0.25; 1.0 0.0]);
deck = sc.exportSpice([0.5; -1]);
check(ischar(deck) && size(deck, 1) == 1, 'exportSpice: char row');
check(~isempty(strfind(deck, 'VY0 t0 0 DC 0')) && ~isempty(strfind(deck, '.op')), 'deck cards');
check(~isempty(strfind(deck, '* xbar i(vy1) = ')), 'xbar currents as comments');
expect_error(@() sc.exportSpice(ones(3, 1)), 'xbar:SHAPE', '');
expect_error(@() sc.exportSpice([1i 0]), 'xbar:usage', 'real double');
end

function test_single(~)
W = weights_6x5();
X = inputs_5x3();
core = xbar.Core(xbar.Params.preset('default'), 6, 5, 1);
core.program(single(W));
Y = core * single(X);
check(isa(Y, 'single') && max(abs(double(Y(:)) - reshape(W * X, [], 1))) < 1e-5, 'single MVM');
check(isa(core.read('single'), 'single'), 'read single');
Z = single(ones(2, 6)) * core;
check(isa(Z, 'single') && isequal(size(Z), [2 5]), 'single VMM');
end

function test_complex(~)
p = xbar.Params();
p.set('core.complex_matrix', true);
W = [1+0.5i, -0.25, 1i; -0.5i, 0.75-1i, 0.5+0.25i];
core = xbar.Core(p, 2, 3, 3);
check(core.complexMatrix, 'complexMatrix');
core.program(W);
x = [1; 0.5-0.5i; -1+2i];
y = core * x;
check(max(abs(y - W * x)) < 1e-5, 'complex MVM');
check(max(abs(reshape(core.read() - W, [], 1))) < 1e-6, 'complex read');
v = [1+1i, -0.5];
check(max(abs(v * core - v * W)) < 1e-5, 'complex VMM (no conjugation)');
r = core * [1; 2; 3];                                 % real input on a complex core
check(max(abs(r - W * [1; 2; 3])) < 1e-5, 'real input, complex core');
real_core = xbar.Core(xbar.Params(), 2, 3);
expect_error(@() real_core.program(W), 'xbar:INVALID_ARGUMENT', 'complex_matrix');
end

function test_handles_and_lifetime(~)
base = xbar_mex('live');
p = xbar.Params();
core = xbar.Core(p, 4, 4);
check(xbar_mex('live') == base + 2, 'two live objects');
clear core
check(xbar_mex('live') == base + 1, 'clear frees the core');
make_and_drop(p);
check(xbar_mex('live') == base + 1, 'leaving a function frees its core');
c2 = xbar.Core(p, 4, 4);
holder = struct('core', c2);
clear c2
check(xbar_mex('live') == base + 2, 'a struct keeps the core alive');
clear holder
check(xbar_mex('live') == base + 1, 'clearing the struct frees it');
delete(p);
check(xbar_mex('live') == base, 'delete frees the parameters');
delete(p);                                           % a second delete is harmless
c3 = xbar.Core(xbar.Params(), 4, 4);                  % the temporary Params is freed at once
check(xbar_mex('live') == base + 1, 'temporary params freed; the core keeps its own copy');
c3.program(eye(4));
check(max(abs(reshape(c3.read() - eye(4), [], 1))) < 1e-6, 'the core works without its params');
delete(c3);
check(xbar_mex('live') == base, 'delete frees the core');
expect_error(@() xbar_mex('core_mvm', uint64(123456789), ones(4, 1)), 'xbar:handle', 'not alive');
expect_error(@() xbar_mex('core_mvm', 3, ones(4, 1)), 'xbar:handle', 'uint64');
q = xbar.Params();
expect_error(@() xbar_mex('core_mvm', q.handleId(), ones(4, 1)), 'xbar:handle', 'xbar.Core');
expect_error(@() xbar_mex('no_such_command'), 'xbar:usage', 'unknown command');
expect_error(@() xbar_mex(), 'xbar:usage', '');
expect_error(@() xbar_mex('version', 1), 'xbar:usage', 'takes 0 arguments');
end

function make_and_drop(p)
c = xbar.Core(p, 4, 4);
c.program(eye(4));
end

function test_reference_case(repo)
% The cross-language case (tests/bindings/main.rs): bit-identical numbers.
lines = strsplit(fileread(fullfile(repo, 'tests', 'bindings', 'reference_64x48.txt')), sprintf('\n'));
want = [];
for k = 1:numel(lines)
    line = strtrim(lines{k});
    if isempty(line) || line(1) == '#'
        continue
    end
    want(end + 1, 1) = hex2num(strtok(line)); %#ok<AGROW>
end
[I, J] = ndgrid(0:63, 0:47);
W = mod(7 * I + 3 * J, 17) / 8 - 1;
[J, B] = ndgrid(0:47, 0:3);
X = mod(5 * B + 11 * J, 13) / 8 - 0.75;        % 48 x 4: four input vectors as columns
core = xbar.Core(xbar.Params.preset('default'), 64, 48, 7);
core.program(W);
Y = core * X;                                  % 64 x 4, the same memory as the row-major 4 x 64
check(numel(want) == 256, 'reference file has 256 values');
same = typecast(Y(:), 'uint64') == typecast(want, 'uint64');
check(same, sprintf('%d of 256 values differ from the reference', sum(~same)));
fprintf('        octave: 256 values bit-identical to the reference\n');
end

function test_readme_example(repo)
base = xbar_mex('live');
run_example(repo);
check(xbar_mex('live') == base, 'the example freed everything');
end

function run_example(repo)
% The README example (bindings/matlab/xbar_example.m) runs as a script here.
old = pwd();
cleanup = onCleanup(@() cd(old));
cd(fullfile(repo, 'bindings', 'matlab'));
evalc('xbar_example');
check(exist('Y', 'var') == 1 && isequal(size(Y), [64 16]), 'example made Y');
check(max(max(abs(Y - W * X))) < 0.1, 'example result');
end

function test_aihwkit(~)
% aihwkit's tile periphery through parameters alone: the "aihwkit-inference"
% preset on a 1024-input layer, aihwkit's names set and read by path.
p = xbar.Params.preset('aihwkit-inference');
check(p.get('aihwkit.enable') == true, 'aihwkit enabled');
check(strcmp(p.get('aihwkit.forward.noise_management'), 'ABS_MAX'), 'enum by name');
[I, J] = ndgrid(0:15, 0:1023);
W = mod(7919 * (I * 1024 + J), 201) / 1000 - 0.1;
[J, B] = ndgrid(0:1023, 0:3);
X = mod(31 * (B * 1024 + J), 23) / 44 - 0.25;     % 1024 x 4: four input vectors
core = xbar.Core(p, 16, 1024, 3);
core.program(W);
Y = core * X;
err = max(abs(Y(:) - reshape(W * X, [], 1)));
% PCM programming noise, output noise, 7-bit DAC and 9-bit ADC: well under 0.3.
check(err > 0 && err < 0.3, sprintf('aihwkit forward error %g', err));
expect_error(@() p.set('aihwkit.forward.out_noise', -1), 'xbar:PARAMS', 'aihwkit.forward.out_noise');
p.set('xbar.device.read_noise', struct('enable', true, 'model', 'NormalIndependentDevice', 'magnitude', 0.1));
expect_error(@() xbar.Core(p, 2, 2), 'xbar:UNSUPPORTED', 'xbar.device.read_noise');
end
