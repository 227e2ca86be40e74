p = xbar.Params.preset('default');
p.set('xbar.adc.mvm', struct('model', 'QuantizerADC', 'bits', 8, 'calibrated_range', [-12 12]));
core = xbar.Core(p, 64, 48, 1);           % a 64 x 48 matrix, seed 1
W = rand(64, 48) - 0.5;
core.program(W);                          % column-major, passed without a copy
X = rand(48, 16);                         % 16 input vectors as columns
Y = core * X;                             % 64 x 16: W*X through DACs, arrays and 8-bit ADCs
Z = rand(16, 64) * core;                  % 16 x 48: V*W, the other direction (VMM)
fprintf('max |Y - W*X| = %.3g\n', max(max(abs(Y - W * X))));
delete(core);                             % or: clear core
