function mexfile = build(prefix, outdir, varargin)
% xbar.build  Compiles the MEX gateway xbar_mex.c against an installed xbar.
%
%   xbar.build(prefix)          prefix: where scripts/install.sh put xbar
%                               (prefix/include/xbar.h, prefix/lib/libxbar.so)
%   xbar.build()                uses the environment variable XBAR_PREFIX
%   xbar.build(prefix, outdir)  writes the MEX file to outdir (default: bindings/matlab/build,
%                               git-ignored; the sources stay untouched)
%   xbar.build(prefix, outdir, flag, ...)  extra compiler flags, e.g. '-Wall', '-Werror'
%   f = xbar.build(...)         returns the path of the MEX file
%
% Works in MATLAB (mex -R2018a) and in GNU Octave (mkoctfile --mex -R2018a):
% both select the interleaved complex API. (In Octave, -R2018a also links in
% the marker symbol that makes Octave pass complex arrays interleaved; only
% defining MX_HAS_INTERLEAVED_COMPLEX is not enough.) The MEX file records
% prefix/lib as its run path, so it finds libxbar.so.<major> without
% LD_LIBRARY_PATH. Put outdir and bindings/matlab (the +xbar package) on the path:
%   addpath('bindings/matlab'); xbar.build(prefix); addpath('bindings/matlab/build')
here = fileparts(fileparts(mfilename('fullpath')));    % bindings/matlab
if nargin < 1 || isempty(prefix)
    prefix = getenv('XBAR_PREFIX');
end
if isempty(prefix)
    error('xbar:usage', ['xbar.build: give the install prefix of xbar (scripts/install.sh PREFIX) ', ...
                         'or set XBAR_PREFIX']);
end
if nargin < 2 || isempty(outdir)
    outdir = fullfile(here, 'build');
end
if exist(outdir, 'dir') ~= 7
    [ok, msg] = mkdir(outdir);
    if ~ok
        error('xbar:IO', 'xbar.build: cannot create the build folder "%s": %s', outdir, msg);
    end
end
inc = fullfile(prefix, 'include');
lib = fullfile(prefix, 'lib');
if exist(fullfile(inc, 'xbar.h'), 'file') ~= 2 || exist(fullfile(lib, 'libxbar.so'), 'file') ~= 2
    error('xbar:IO', 'xbar.build: no include/xbar.h and lib/libxbar.so under "%s"', prefix);
end
src = fullfile(here, 'xbar_mex.c');
mexfile = fullfile(outdir, ['xbar_mex.' mexext]);
if exist('OCTAVE_VERSION', 'builtin')
    [out, status] = mkoctfile('--mex', '-R2018a', varargin{:}, ['-I' inc], src, ...
                              ['-L' lib], '-lxbar', ['-Wl,-rpath,' lib], '-o', mexfile);
    if status ~= 0
        error('xbar:build', 'xbar.build: mkoctfile failed:\n%s', out);
    end
else
    cflags = sprintf(' %s', varargin{:});
    mex('-R2018a', ['CFLAGS=$CFLAGS' cflags], ['-I' inc], src, ['-L' lib], '-lxbar', ...
        ['LDFLAGS=$LDFLAGS -Wl,-rpath,' lib], '-outdir', outdir, '-output', 'xbar_mex');
end
end
