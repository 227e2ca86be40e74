"""
    Xbar

Julia bindings of xbar, a simulator of analog in-memory computing on resistive
crossbar arrays. Every function calls the C API of `libxbar` (`include/xbar.h`)
through `@ccall`; no physics lives here.

```julia
using Xbar
core = AnalogCore(Xbar.preset("default"), 64, 48; seed = 1)
program!(core, W)          # W::Matrix, 64 x 48 (passed column-major, no copy)
Y = core * X               # X: 48 x batch  ->  Y: 64 x batch   (MVM, y = W x)
Z = V' * core              # V: 64 x batch  ->  Z: batch x 48   (VMM, z = v' W)
```

The library is found, when the package is compiled, from `ENV["XBAR_LIB"]`
(a path to `libxbar.so`), else with `Libdl.find_library` in
`ENV["XBAR_PREFIX"]/lib`, the repository's `target/release` and the system
paths. Changing `XBAR_LIB` later needs a recompilation of the package
(`__init__` warns when the two disagree).
"""
module Xbar

using Libdl
using LinearAlgebra: Adjoint, Transpose, transpose

export Params, AnalogCore, XbarError
export program!, weights, weights!, mvm, mvm!, vmm, vmm!, update!, set_time!, set!, setjson!, getjson, tojson
export ArrayInfo, arrays, conductances, drift_compensation
export LookupTable, set_lookup_table!, lut_from_pulse_trains, load_core, export_spice, cost_json, cost_reset!
# `save`, `serialize` and `deserialize` are not exported: their names are those
# of FileIO and the Serialization standard library. Call them as `Xbar.save`, ...

# ------------------------------------------------------------------ library

function _search_dirs()
    dirs = String[]
    prefix = get(ENV, "XBAR_PREFIX", "")
    isempty(prefix) || push!(dirs, joinpath(prefix, "lib"))
    # bindings/julia/Xbar/src -> the repository root
    push!(dirs, normpath(joinpath(@__DIR__, "..", "..", "..", "..", "target", "release")))
    return dirs
end

function _find_libxbar()
    path = get(ENV, "XBAR_LIB", "")
    isempty(path) || return path
    found = Libdl.find_library(["libxbar", "libxbar.so.0"], _search_dirs())
    return isempty(found) ? "libxbar" : found
end

"Path (or name) of the shared library every `@ccall` uses; fixed when the package is compiled."
const libxbar = _find_libxbar()

"Version of `include/xbar.h` these bindings were written against."
const HEADER_VERSION = v"0.1.0"

const ROW_MAJOR = UInt32(0)   # XBAR_ROW_MAJOR
const COL_MAJOR = UInt32(1)   # XBAR_COL_MAJOR

function __init__()
    now = _find_libxbar()
    if now != libxbar
        @warn "Xbar: compiled for library $(repr(libxbar)) but XBAR_LIB / the search now gives " *
              "$(repr(now)); recompile the package to switch"
    end
    if Libdl.dlopen(libxbar; throw_error = false) === nothing
        @warn "Xbar: cannot load $(repr(libxbar)); set ENV[\"XBAR_LIB\"] to the path of libxbar.so " *
              "(then recompile the package)"
        return nothing
    end
    v = version_number()
    if v >> 16 != HEADER_VERSION.major || (v >> 8) & 0xff < HEADER_VERSION.minor
        @warn "Xbar: library version $(version()) does not match the bindings' $(HEADER_VERSION)"
    end
    return nothing
end

# ------------------------------------------------------------------ errors

"Short names of the status codes, in order (`XBAR_OK` = 0, ...)."
const STATUS_NAMES = (:OK, :NULL_ARGUMENT, :INVALID_ARGUMENT, :SHAPE, :PARAMS, :PARSE, :UNSUPPORTED,
                      :BACKEND_UNAVAILABLE, :NOT_PROGRAMMED, :NO_CONVERGENCE, :BUFFER_TOO_SMALL,
                      :OUT_OF_MEMORY, :IO, :INTERNAL)
const OK = Cint(0)
const ERR_SHAPE = Cint(3)
const ERR_BUFFER_TOO_SMALL = Cint(10)

"`status_name(3) == :SHAPE`; `:UNKNOWN` for codes this version does not know."
status_name(s::Integer) = 0 <= s < length(STATUS_NAMES) ? STATUS_NAMES[s + 1] : :UNKNOWN

"""
    XbarError(status, name, msg)

A failed xbar call: the C status code, its short name (`:SHAPE`, `:UNSUPPORTED`,
...) and the library's message (which names the function and the argument).
"""
struct XbarError <: Exception
    status::Cint
    name::Symbol
    msg::String
end
XbarError(status::Integer, msg::AbstractString) = XbarError(Cint(status), status_name(status), String(msg))

Base.showerror(io::IO, e::XbarError) = print(io, "XbarError(:", e.name, "): ", e.msg)

# Throws XbarError for a failing status, with this thread's last error message.
function check(status::Cint)
    status == OK && return nothing
    msg = unsafe_string(@ccall libxbar.xbar_last_error_message()::Cstring)
    throw(XbarError(status, msg))
end

"The library version as a `VersionNumber`."
version() = VersionNumber(unsafe_string(@ccall libxbar.xbar_version()::Cstring))

"The library version as `MAJOR << 16 | MINOR << 8 | PATCH`."
version_number() = @ccall libxbar.xbar_version_number()::UInt32

"Static English text of a status code."
status_string(s::Integer) = unsafe_string(@ccall libxbar.xbar_status_string(Cint(s)::Cint)::Cstring)

"Threads of xbar's own pool (0 = one per core)."
set_num_threads(n::Integer) = check(@ccall libxbar.xbar_set_num_threads(n::Csize_t)::Cint)

# ------------------------------------------------------------------ JSON text of Julia values

_json(x::Nothing) = "null"
_json(x::Bool) = x ? "true" : "false"
_json(x::Integer) = string(x)
function _json(x::AbstractFloat)
    isfinite(x) || throw(ArgumentError("JSON has no $(x)"))
    return repr(Float64(x))             # shortest text that reads back as the same Float64
end
function _json(s::AbstractString)
    io = IOBuffer()
    print(io, '"')
    for c in s
        if c == '"' || c == '\\'
            print(io, '\\', c)
        elseif c < ' '
            print(io, "\\u", string(UInt16(c), base = 16, pad = 4))
        else
            print(io, c)
        end
    end
    print(io, '"')
    return String(take!(io))
end
_json(s::Symbol) = _json(String(s))
_json(v::Union{AbstractVector,Tuple}) = "[" * join((_json(x) for x in v), ",") * "]"
_json(d::AbstractDict) = "{" * join((_json(string(k)) * ":" * _json(v) for (k, v) in d), ",") * "}"
_json(t::NamedTuple) = "{" * join((_json(string(k)) * ":" * _json(v) for (k, v) in pairs(t)), ",") * "}"

# Query size, then fill: `call(buf, cap, len)` is one C call that writes
# `len` bytes into a caller buffer.
function _fetch_bytes(call)
    len = Ref{Csize_t}(0)
    st = call(Ptr{UInt8}(C_NULL), 0, len)
    st == ERR_BUFFER_TOO_SMALL || check(st)
    while true
        buf = Vector{UInt8}(undef, len[])
        st = call(buf, length(buf), len)
        st == ERR_BUFFER_TOO_SMALL && continue       # grew in between: len has the new size
        check(st)
        return resize!(buf, len[])
    end
end

# `_fetch_bytes` of a call that writes NUL-terminated text.
function _fetch_text(call)
    buf = _fetch_bytes(call)
    return String(resize!(buf, length(buf) - 1))  # without the terminating NUL
end

# ------------------------------------------------------------------ Params

"""
    Params()

A parameter set (`xbar_params`), holding the defaults. See also
[`preset`](@ref), [`fromjson`](@ref); change values with `set!`/`p[path] = value`,
read them with `getjson`/`p[path]`. Freed by `close` or by the garbage collector.
"""
mutable struct Params
    ptr::Ptr{Cvoid}
    function Params(ptr::Ptr{Cvoid})
        ptr == C_NULL && throw(ArgumentError("Params: null handle"))
        p = new(ptr)
        finalizer(close, p)
        return p
    end
end

function Params()
    out = Ref{Ptr{Cvoid}}(C_NULL)
    check(@ccall libxbar.xbar_params_new(out::Ref{Ptr{Cvoid}})::Cint)
    return Params(out[])
end

"A preset shipped with xbar: \"default\", \"ISAAC\", \"ISAAC-SarADC\", \"PRIME\", \"SONOS-TCAS\", \"aihwkit-inference\", \"aihwkit-hwa\"."
function preset(name::AbstractString)
    out = Ref{Ptr{Cvoid}}(C_NULL)
    check(@ccall libxbar.xbar_params_preset(String(name)::Cstring, out::Ref{Ptr{Cvoid}})::Cint)
    return Params(out[])
end

"Parameters from xbar or CrossSim 3.x JSON text; absent keys keep their defaults."
function fromjson(json::AbstractString)
    out = Ref{Ptr{Cvoid}}(C_NULL)
    check(@ccall libxbar.xbar_params_from_json(String(json)::Cstring, out::Ref{Ptr{Cvoid}})::Cint)
    return Params(out[])
end

"Parameters from a JSON file (xbar or CrossSim 3.x)."
fromjsonfile(path::AbstractString) = fromjson(read(path, String))

function Base.close(p::Params)        # idempotent; also the finalizer
    p.ptr == C_NULL && return nothing
    @ccall libxbar.xbar_params_free(p.ptr::Ptr{Cvoid})::Cvoid
    p.ptr = C_NULL
    return nothing
end
Base.isopen(p::Params) = p.ptr != C_NULL
Base.unsafe_convert(::Type{Ptr{Cvoid}}, p::Params) =
    p.ptr == C_NULL ? throw(ArgumentError("Params already closed")) : p.ptr

"The whole parameter set as JSON text."
tojson(p::Params) = _fetch_text((buf, cap, len) ->
    @ccall libxbar.xbar_params_to_json(p::Ptr{Cvoid}, buf::Ptr{UInt8}, cap::Csize_t, len::Ref{Csize_t})::Cint)

"One parameter, or a group, as JSON text: `getjson(p, \"xbar.adc.mvm.bits\") == \"8\"`."
getjson(p::Params, path::AbstractString) = _fetch_text((buf, cap, len) ->
    @ccall libxbar.xbar_params_get(p::Ptr{Cvoid}, String(path)::Cstring, buf::Ptr{UInt8}, cap::Csize_t,
                                   len::Ref{Csize_t})::Cint)

"Sets one parameter from JSON text: `setjson!(p, \"xbar.adc.mvm.model\", \"\\\"SarADC\\\"\")`."
function setjson!(p::Params, path::AbstractString, json::AbstractString)
    check(@ccall libxbar.xbar_params_set(p::Ptr{Cvoid}, String(path)::Cstring, String(json)::Cstring)::Cint)
    return p
end

"""
    set!(p, path, value)

Sets one parameter from a Julia value (number, Bool, String, vector, Dict or
NamedTuple), converted to JSON: `set!(p, "xbar.adc.mvm", (model = "QuantizerADC", bits = 8))`.
"""
set!(p::Params, path::AbstractString, value) = setjson!(p, path, _json(value))

Base.getindex(p::Params, path::AbstractString) = getjson(p, path)
Base.setindex!(p::Params, value, path::AbstractString) = set!(p, path, value)
Base.copy(p::Params) = fromjson(tojson(p))
Base.show(io::IO, p::Params) = print(io, "Xbar.Params(", isopen(p) ? "" : "closed", ")")

# ------------------------------------------------------------------ AnalogCore

"""
    AnalogCore(params, rows, cols; seed = 0)

One simulated `rows x cols` matrix (`xbar_core`) with a copy of `params`.
MVM: `y = W x` (`core * X`, `X` is `cols x batch`); VMM: `y' = v' W`
(`V' * core`, `V` is `rows x batch`). Freed by `close` or by the garbage
collector; the do-block form closes it at the end:

    AnalogCore(p, 64, 48) do core ... end
"""
mutable struct AnalogCore                 # not `Core`: that is Julia's built-in module
    ptr::Ptr{Cvoid}
    rows::Int
    cols::Int
    # Takes ownership of a core the C API created (freed by `close`).
    function AnalogCore(ptr::Ptr{Cvoid})
        ptr == C_NULL && throw(ArgumentError("AnalogCore: null handle"))
        c = new(ptr, Int(@ccall libxbar.xbar_core_rows(ptr::Ptr{Cvoid})::Csize_t),
                Int(@ccall libxbar.xbar_core_cols(ptr::Ptr{Cvoid})::Csize_t))
        finalizer(close, c)
        return c
    end
end

function AnalogCore(p::Params, rows::Integer, cols::Integer; seed::Integer = 0)
    out = Ref{Ptr{Cvoid}}(C_NULL)
    check(@ccall libxbar.xbar_core_new(p::Ptr{Cvoid}, rows::Csize_t, cols::Csize_t, seed::UInt64,
                                       out::Ref{Ptr{Cvoid}})::Cint)
    return AnalogCore(out[])
end

function AnalogCore(f::Function, p::Params, rows::Integer, cols::Integer; seed::Integer = 0)
    c = AnalogCore(p, rows, cols; seed = seed)
    try
        return f(c)
    finally
        close(c)
    end
end

function Base.close(c::AnalogCore)    # idempotent; also the finalizer
    c.ptr == C_NULL && return nothing
    @ccall libxbar.xbar_core_free(c.ptr::Ptr{Cvoid})::Cvoid
    c.ptr = C_NULL
    return nothing
end
Base.isopen(c::AnalogCore) = c.ptr != C_NULL
Base.unsafe_convert(::Type{Ptr{Cvoid}}, c::AnalogCore) =
    c.ptr == C_NULL ? throw(ArgumentError("AnalogCore already closed")) : c.ptr
Base.size(c::AnalogCore) = (c.rows, c.cols)
Base.size(c::AnalogCore, d::Integer) = d == 1 ? c.rows : d == 2 ? c.cols : 1
Base.show(io::IO, c::AnalogCore) =
    print(io, "Xbar.AnalogCore(", c.rows, " x ", c.cols, isopen(c) ? "" : ", closed", ")")

_shape_error(msg) = throw(XbarError(ERR_SHAPE, msg))

# Dense, contiguous arrays go to the C API as they are; anything else is
# copied into one first.
const _Dense{T} = Union{Vector{T},Matrix{T}}
_dense(::Type{T}, x::_Dense{T}) where {T} = x
_dense(::Type{T}, x::AbstractVector) where {T} = Vector{T}(x)
_dense(::Type{T}, x::AbstractMatrix) where {T} = Matrix{T}(x)
_eltype(x::AbstractArray{<:Complex}) = ComplexF64
_eltype(x::AbstractArray{Float32}) = Float32
_eltype(x::AbstractArray{<:Real}) = Float64

# ---- program!

"""
    program!(core, W)

Writes `W` (`rows x cols`) into the core's arrays. A `Matrix` is passed
column-major without a copy; a `transpose`/adjoint of a `Matrix` is passed as
the row-major matrix it is, also without a copy. `Float32` and complex
matrices use the single-precision and complex C functions.
"""
program!(c::AnalogCore, W::Matrix{Float64}) = _program(c, W, size(W), COL_MAJOR)
program!(c::AnalogCore, W::Matrix{Float32}) = _program(c, W, size(W), COL_MAJOR)
program!(c::AnalogCore, W::Matrix{ComplexF64}) = _program(c, W, size(W), COL_MAJOR)
program!(c::AnalogCore, W::Union{Transpose{T,Matrix{T}},Adjoint{T,Matrix{T}}}) where {T<:Union{Float64,Float32}} =
    _program(c, parent(W), size(W), ROW_MAJOR)
program!(c::AnalogCore, W::Transpose{ComplexF64,Matrix{ComplexF64}}) = _program(c, parent(W), size(W), ROW_MAJOR)
program!(c::AnalogCore, W::AbstractMatrix) = program!(c, Matrix{_eltype(W)}(W))

function _program(c::AnalogCore, W::Matrix{Float64}, (rows, cols), layout::UInt32)
    check(@ccall libxbar.xbar_core_program(c::Ptr{Cvoid}, W::Ptr{Cdouble}, rows::Csize_t, cols::Csize_t,
                                           layout::UInt32)::Cint)
    return c
end
function _program(c::AnalogCore, W::Matrix{Float32}, (rows, cols), layout::UInt32)
    check(@ccall libxbar.xbar_core_program_f32(c::Ptr{Cvoid}, W::Ptr{Cfloat}, rows::Csize_t, cols::Csize_t,
                                               layout::UInt32)::Cint)
    return c
end
function _program(c::AnalogCore, W::Matrix{ComplexF64}, (rows, cols), layout::UInt32)
    check(@ccall libxbar.xbar_core_program_complex(c::Ptr{Cvoid}, W::Ptr{ComplexF64}, rows::Csize_t,
                                                   cols::Csize_t, layout::UInt32)::Cint)
    return c
end

# ---- weights (read back)

"""
    weights(core; eltype = Float64)

The effective weights as the arrays store them now (`rows x cols`). `eltype`
may be `Float64`, `Float32` or `ComplexF64` (for a complex core).
"""
weights(c::AnalogCore; eltype::Type = Float64) = weights!(Matrix{eltype}(undef, c.rows, c.cols), c)

"Reads the weights into `W` (`rows x cols`, `Matrix{Float64|Float32|ComplexF64}`)."
function weights!(W::Matrix{Float64}, c::AnalogCore)
    check(@ccall libxbar.xbar_core_read(c::Ptr{Cvoid}, W::Ptr{Cdouble}, size(W, 1)::Csize_t,
                                        size(W, 2)::Csize_t, COL_MAJOR::UInt32)::Cint)
    return W
end
function weights!(W::Matrix{Float32}, c::AnalogCore)
    check(@ccall libxbar.xbar_core_read_f32(c::Ptr{Cvoid}, W::Ptr{Cfloat}, size(W, 1)::Csize_t,
                                            size(W, 2)::Csize_t, COL_MAJOR::UInt32)::Cint)
    return W
end
function weights!(W::Matrix{ComplexF64}, c::AnalogCore)
    check(@ccall libxbar.xbar_core_read_complex(c::Ptr{Cvoid}, W::Ptr{ComplexF64}, size(W, 1)::Csize_t,
                                                size(W, 2)::Csize_t, COL_MAJOR::UInt32)::Cint)
    return W
end

# ---- mvm / vmm

# The C API takes a batch as row-major batch x n: exactly the memory of a
# Julia n x batch Matrix (or of a Vector, batch 1), so X and Y go as they are.
function _batch_sizes(fn, c, X, Y, n, m)
    batch = size(X, 2)
    (ndims(X) == ndims(Y) && size(Y, 2) == batch) ||
        _shape_error("$fn: output has size $(size(Y)), expected ($m, $batch)")
    return batch
end

"""
    mvm!(Y, core, X)

`Y[:, b] = W * X[:, b]` for each column of `X` (`cols x batch`); `Y` is
`rows x batch`. Vectors are a batch of one. No copies are made.
"""
function mvm!(Y::_Dense{Float64}, c::AnalogCore, X::_Dense{Float64})
    batch = _batch_sizes("mvm!", c, X, Y, c.cols, c.rows)
    check(@ccall libxbar.xbar_core_mvm(c::Ptr{Cvoid}, X::Ptr{Cdouble}, batch::Csize_t, size(X, 1)::Csize_t,
                                       Y::Ptr{Cdouble}, size(Y, 1)::Csize_t)::Cint)
    return Y
end
function mvm!(Y::_Dense{Float32}, c::AnalogCore, X::_Dense{Float32})
    batch = _batch_sizes("mvm!", c, X, Y, c.cols, c.rows)
    check(@ccall libxbar.xbar_core_mvm_f32(c::Ptr{Cvoid}, X::Ptr{Cfloat}, batch::Csize_t, size(X, 1)::Csize_t,
                                           Y::Ptr{Cfloat}, size(Y, 1)::Csize_t)::Cint)
    return Y
end
function mvm!(Y::_Dense{ComplexF64}, c::AnalogCore, X::_Dense{ComplexF64})
    batch = _batch_sizes("mvm!", c, X, Y, c.cols, c.rows)
    check(@ccall libxbar.xbar_core_mvm_complex(c::Ptr{Cvoid}, X::Ptr{ComplexF64}, batch::Csize_t,
                                               size(X, 1)::Csize_t, Y::Ptr{ComplexF64},
                                               size(Y, 1)::Csize_t)::Cint)
    return Y
end

"""
    vmm!(Y, core, V)

`Y[:, b] = transpose(W) * V[:, b]`, i.e. `Y[:, b]' = V[:, b]' * W` for each
column of `V` (`rows x batch`); `Y` is `cols x batch`. No copies are made.
"""
function vmm!(Y::_Dense{Float64}, c::AnalogCore, V::_Dense{Float64})
    batch = _batch_sizes("vmm!", c, V, Y, c.rows, c.cols)
    check(@ccall libxbar.xbar_core_vmm(c::Ptr{Cvoid}, V::Ptr{Cdouble}, batch::Csize_t, size(V, 1)::Csize_t,
                                       Y::Ptr{Cdouble}, size(Y, 1)::Csize_t)::Cint)
    return Y
end
function vmm!(Y::_Dense{Float32}, c::AnalogCore, V::_Dense{Float32})
    batch = _batch_sizes("vmm!", c, V, Y, c.rows, c.cols)
    check(@ccall libxbar.xbar_core_vmm_f32(c::Ptr{Cvoid}, V::Ptr{Cfloat}, batch::Csize_t, size(V, 1)::Csize_t,
                                           Y::Ptr{Cfloat}, size(Y, 1)::Csize_t)::Cint)
    return Y
end
function vmm!(Y::_Dense{ComplexF64}, c::AnalogCore, V::_Dense{ComplexF64})
    batch = _batch_sizes("vmm!", c, V, Y, c.rows, c.cols)
    check(@ccall libxbar.xbar_core_vmm_complex(c::Ptr{Cvoid}, V::Ptr{ComplexF64}, batch::Csize_t,
                                               size(V, 1)::Csize_t, Y::Ptr{ComplexF64},
                                               size(Y, 1)::Csize_t)::Cint)
    return Y
end

_similar_out(X::AbstractVector, ::Type{T}, m) where {T} = Vector{T}(undef, m)
_similar_out(X::AbstractMatrix, ::Type{T}, m) where {T} = Matrix{T}(undef, m, size(X, 2))

"`mvm(core, X)`: `W * X` through the arrays (`X` is `cols x batch`, or a vector)."
function mvm(c::AnalogCore, X::AbstractVecOrMat)
    T = _eltype(X)
    return mvm!(_similar_out(X, T, c.rows), c, _dense(T, X))
end

"`vmm(core, V)`: `transpose(W) * V` through the arrays in the VMM direction (`V` is `rows x batch`)."
function vmm(c::AnalogCore, V::AbstractVecOrMat)
    T = _eltype(V)
    return vmm!(_similar_out(V, T, c.cols), c, _dense(T, V))
end

"`core * X` is `mvm(core, X)`: `X` is `cols x batch` (or a vector), the result `rows x batch`."
Base.:*(c::AnalogCore, X::AbstractVecOrMat) = mvm(c, X)

# `V' * core` / `transpose(V) * core`: rows of the left factor times W, in the
# VMM direction. The parent V (rows x batch) is the C API's row-major
# batch x rows input, and the result cols x batch, transposed lazily, is the
# batch x cols product, so no data is copied.
Base.:*(Vt::Transpose{<:Any,<:AbstractVecOrMat}, c::AnalogCore) = transpose(vmm(c, parent(Vt)))
Base.:*(Vt::Adjoint{<:Real,<:AbstractVecOrMat}, c::AnalogCore) = transpose(vmm(c, parent(Vt)))
Base.:*(Vt::Adjoint{<:Complex,<:AbstractVecOrMat}, c::AnalogCore) = transpose(vmm(c, conj(parent(Vt))))

# ---- update! / set_time!

"""
    update!(core, X, D, lr)

Outer-product update through the device update model
(`xbar.device.update`, or the tables of [`set_lookup_table!`](@ref)):
`W += lr * sum_b D[:, b] * X[:, b]'` with `X` `cols x batch` and `D`
`rows x batch`.
"""
function update!(c::AnalogCore, X::_Dense{Float64}, D::_Dense{Float64}, lr::Real)
    batch = _update_batch(c, X, D)
    check(@ccall libxbar.xbar_core_update(c::Ptr{Cvoid}, X::Ptr{Cdouble}, D::Ptr{Cdouble}, batch::Csize_t,
                                          Float64(lr)::Cdouble)::Cint)
    return c
end
function update!(c::AnalogCore, X::_Dense{Float32}, D::_Dense{Float32}, lr::Real)
    batch = _update_batch(c, X, D)
    check(@ccall libxbar.xbar_core_update_f32(c::Ptr{Cvoid}, X::Ptr{Cfloat}, D::Ptr{Cfloat}, batch::Csize_t,
                                              Float32(lr)::Cfloat)::Cint)
    return c
end
update!(c::AnalogCore, X::AbstractVecOrMat{<:Real}, D::AbstractVecOrMat{<:Real}, lr::Real) =
    update!(c, _dense(Float64, X), _dense(Float64, D), lr)

# The C function takes the sizes from the core: check them here, before any
# memory is read.
function _update_batch(c::AnalogCore, X, D)
    batch = size(X, 2)
    (size(X, 1) == c.cols && size(D, 1) == c.rows && size(D, 2) == batch && ndims(X) == ndims(D)) ||
        _shape_error("update!: X is $(size(X)) and D $(size(D)); expected ($(c.cols), batch) and ($(c.rows), batch)")
    return batch
end

"""
    set_time!(core, seconds)

Moves the arrays to their drifted state `seconds` after programming, as the
drift model of the parameters describes it (no change without one).
"""
function set_time!(c::AnalogCore, seconds::Real)
    check(@ccall libxbar.xbar_core_set_time(c::Ptr{Cvoid}, Float64(seconds)::Cdouble)::Cint)
    return c
end

# ------------------------------------------------------------------ what the core holds

"""
    ArrayInfo

One physical array of a core (see [`arrays`](@ref)): its tile (`tile_row`,
`tile_col`, the first weight row and column `row0`, `col0`, 0-based), its
`role` (`:single` for an OFFSET array, `:positive`/`:negative` for G+/G- of a
BALANCED pair), its weight `slice` (BITSLICED cores, 0 = least significant),
its physical `rows` and `cols`, and the 0-based `offset` of its first cell in
the C API's flat list of conductances.
"""
struct ArrayInfo
    tile_row::Int
    tile_col::Int
    row0::Int
    col0::Int
    role::Symbol
    slice::Int
    rows::Int
    cols::Int
    offset::Int
end

const ARRAY_ROLES = (:single, :positive, :negative)

"""
    arrays(core) -> Vector{ArrayInfo}

Every array of a programmed core, tile by tile, G+ before G-, slices from the
least significant (`xbar_core_array_layout`).
"""
function arrays(c::AnalogCore)
    n = Ref{Csize_t}(0)
    check(@ccall libxbar.xbar_core_array_count(c::Ptr{Cvoid}, n::Ref{Csize_t})::Cint)
    info = Vector{Csize_t}(undef, 9 * n[])
    check(@ccall libxbar.xbar_core_array_layout(c::Ptr{Cvoid}, info::Ptr{Csize_t}, length(info)::Csize_t)::Cint)
    return [let f = Int.(info[9k+1:9k+9])
                ArrayInfo(f[1], f[2], f[3], f[4], ARRAY_ROLES[f[5]+1], f[6], f[7], f[8], f[9])
            end for k in 0:n[]-1]
end

"""
    conductances(core) -> Vector{Matrix{Float64}}

The physical conductance of every cell in siemens, one `rows x cols` matrix
per array in the order of [`arrays`](@ref): the stored values (programming
error, updates and drift included, no read noise) times `Gmax = 1/Rmin`.
"""
function conductances(c::AnalogCore)
    n = Ref{Csize_t}(0)
    check(@ccall libxbar.xbar_core_conductance_count(c::Ptr{Cvoid}, n::Ref{Csize_t})::Cint)
    g = Vector{Float64}(undef, n[])
    check(@ccall libxbar.xbar_core_conductances(c::Ptr{Cvoid}, g::Ptr{Cdouble}, length(g)::Csize_t)::Cint)
    # Each array is row-major in `g`: a cols x rows column-major block, transposed.
    return [permutedims(reshape(g[a.offset+1:a.offset+a.rows*a.cols], a.cols, a.rows)) for a in arrays(c)]
end

"""
    drift_compensation(core) -> Float64

The global drift compensation factor outputs are multiplied by now
(`xbar.device.drift_compensation`; 1 without it or before any `set_time!`).
"""
function drift_compensation(c::AnalogCore)
    f = Ref{Cdouble}(0)
    check(@ccall libxbar.xbar_core_drift_compensation(c::Ptr{Cvoid}, f::Ref{Cdouble})::Cint)
    return f[]
end

# ------------------------------------------------------------------ lookup tables

"""
    LookupTable(dir)

Measured device lookup tables (CrossSim 2 format) from the folder `dir`
(`xbar_lut_load`): one pair `dG_increasing.txt` / `dG_decreasing.txt`, numbered
pairs, or one sub-folder per device (a set: each cell is assigned one device).
Attach to a core with [`set_lookup_table!`](@ref). Freed by `close` or by the
garbage collector; cores it is attached to keep their own reference.
"""
mutable struct LookupTable
    ptr::Ptr{Cvoid}
    function LookupTable(dir::AbstractString)
        out = Ref{Ptr{Cvoid}}(C_NULL)
        check(@ccall libxbar.xbar_lut_load(String(dir)::Cstring, out::Ref{Ptr{Cvoid}})::Cint)
        t = new(out[])
        finalizer(close, t)
        return t
    end
end

function Base.close(t::LookupTable)   # idempotent; also the finalizer
    t.ptr == C_NULL && return nothing
    @ccall libxbar.xbar_lut_free(t.ptr::Ptr{Cvoid})::Cvoid
    t.ptr = C_NULL
    return nothing
end
Base.isopen(t::LookupTable) = t.ptr != C_NULL
Base.unsafe_convert(::Type{Ptr{Cvoid}}, t::LookupTable) =
    t.ptr == C_NULL ? throw(ArgumentError("LookupTable already closed")) : t.ptr
Base.show(io::IO, t::LookupTable) = print(io, "Xbar.LookupTable(", isopen(t) ? "" : "closed", ")")

"""
    set_lookup_table!(core, lut)

Makes later [`update!`](@ref) calls write through the lookup tables `lut`
(replacing the update model of the core's parameters); each cell is assigned
one device of the set from the core's seed.
"""
function set_lookup_table!(c::AnalogCore, t::LookupTable)
    check(@ccall libxbar.xbar_core_set_lut(c::Ptr{Cvoid}, t::Ptr{Cvoid})::Cint)
    return c
end

"""
    lut_from_pulse_trains(set_csv, reset_csv, out_dir)

Builds a lookup table from raw pulse-train measurements (CSV files whose
columns are ramps of conductances in siemens, one value after each pulse) and
writes it in the CrossSim 2 format into the existing folder `out_dir`, which
it returns: `LookupTable(lut_from_pulse_trains("set.csv", "reset.csv", dir))`.
"""
function lut_from_pulse_trains(set_csv::AbstractString, reset_csv::AbstractString, out_dir::AbstractString)
    check(@ccall libxbar.xbar_lut_from_pulse_trains(String(set_csv)::Cstring, String(reset_csv)::Cstring,
                                                    String(out_dir)::Cstring)::Cint)
    return out_dir
end

# ------------------------------------------------------------------ saved cores, SPICE

"""
    Xbar.save(core, path)

Saves the whole state of `core` (parameters, programmed matrix, conductances,
drift time, random-stream counters, lookup tables) to the file `path`,
atomically; [`load_core`](@ref) gives a core that continues bit for bit.
Returns `path`.
"""
function save(c::AnalogCore, path::AbstractString)
    check(@ccall libxbar.xbar_core_save(c::Ptr{Cvoid}, String(path)::Cstring)::Cint)
    return path
end

"`load_core(path)`: the core saved in the file `path` by [`Xbar.save`](@ref)."
function load_core(path::AbstractString)
    out = Ref{Ptr{Cvoid}}(C_NULL)
    check(@ccall libxbar.xbar_core_load(String(path)::Cstring, out::Ref{Ptr{Cvoid}})::Cint)
    return AnalogCore(out[])
end

"`Xbar.serialize(core)::Vector{UInt8}`: the content of an [`Xbar.save`](@ref) file."
serialize(c::AnalogCore) = _fetch_bytes((buf, cap, len) ->
    @ccall libxbar.xbar_core_serialize(c::Ptr{Cvoid}, buf::Ptr{UInt8}, cap::Csize_t, len::Ref{Csize_t})::Cint)

"`Xbar.deserialize(bytes)`: the core whose state [`Xbar.serialize`](@ref) (or a saved file) holds."
function deserialize(bytes::AbstractVector{UInt8})
    buf = Vector{UInt8}(bytes)
    out = Ref{Ptr{Cvoid}}(C_NULL)
    check(@ccall libxbar.xbar_core_deserialize(buf::Ptr{UInt8}, length(buf)::Csize_t, out::Ref{Ptr{Cvoid}})::Cint)
    return AnalogCore(out[])
end

"""
    export_spice(core, x)::String

An ngspice netlist of the core's first array for the MVM input `x` (`cols`
values, weight units), with xbar's own output currents as comments
(`* xbar i(vy<k>) = <amperes>`). See `xbar_core_export_spice` in `include/xbar.h`.
"""
function export_spice(c::AnalogCore, x::AbstractVector{<:Real})
    length(x) == c.cols || _shape_error("export_spice: x has $(length(x)) values, expected $(c.cols)")
    xd = _dense(Float64, x)
    return _fetch_text((buf, cap, len) ->
        @ccall libxbar.xbar_core_export_spice(c::Ptr{Cvoid}, xd::Ptr{Cdouble}, length(xd)::Csize_t, buf::Ptr{UInt8},
                                              cap::Csize_t, len::Ref{Csize_t})::Cint)
end

"""
    cost_json(core)::String

The cost report of the core's reads as JSON text: `"last_call"` and
`"since_program"` (energy by component in J, latency in s, event counts) and
`"area_m2"`. See `xbar_core_cost_json` in `include/xbar.h`.
"""
function cost_json(c::AnalogCore)
    return _fetch_text((buf, cap, len) ->
        @ccall libxbar.xbar_core_cost_json(c::Ptr{Cvoid}, buf::Ptr{UInt8}, cap::Csize_t, len::Ref{Csize_t})::Cint)
end

"""
    cost_reset!(core)

Clears the core's cost counters (`"last_call"` and `"since_program"`).
"""
function cost_reset!(c::AnalogCore)
    check(@ccall libxbar.xbar_core_cost_reset(c::Ptr{Cvoid})::Cint)
    return c
end

end # module
