# Tests of the Julia bindings. Run with a built library:
#   XBAR_LIB=$PWD/target/release/libxbar.so julia --project=bindings/julia/Xbar -e 'using Pkg; Pkg.test()'
# (tests/bindings/julia.sh runs this when a `julia` is on the PATH; otherwise
# CI checks this file statically, see tests/bindings/julia/check_ccalls.py.)
using Test
using Xbar
using Xbar: preset, fromjson, version, version_number, status_string, status_name

const REPO = normpath(joinpath(@__DIR__, "..", "..", "..", ".."))

# Runs `f` and returns the XbarError it throws (fails the test if none).
function xbar_error(f)
    try
        f()
    catch e
        e isa XbarError && return e
        rethrow()
    end
    error("expected an XbarError")
end

@testset "Xbar" begin
    @testset "library" begin
        @test version() isa VersionNumber
        @test version().major == Xbar.HEADER_VERSION.major
        @test version_number() >> 16 == version().major
        @test status_name(3) == :SHAPE
        @test status_name(6) == :UNSUPPORTED
        @test status_name(99) == :UNKNOWN
        @test !isempty(status_string(3))
        Xbar.set_num_threads(0)
    end

    @testset "Params" begin
        p = Params()
        @test getjson(p, "xbar.adc.mvm.bits") == "0"
        set!(p, "xbar.adc.mvm.bits", 8)
        @test p["xbar.adc.mvm.bits"] == "8"
        p["xbar.adc.mvm.model"] = "QuantizerADC"
        @test p["xbar.adc.mvm.model"] == "\"QuantizerADC\""
        set!(p, "xbar.adc.mvm.calibrated_range", [-8.0, 8.0])
        @test occursin("8", p["xbar.adc.mvm.calibrated_range"])
        set!(p, "xbar.device.Vread", 0.125)
        @test p["xbar.device.Vread"] == "0.125"
        set!(p, "core.complex_input", true)
        @test p["core.complex_input"] == "true"
        setjson!(p, "core.complex_input", "false")
        set!(p, "xbar.dac.mvm", (model = "QuantizerDAC", bits = 6))
        @test p["xbar.dac.mvm.bits"] == "6"

        json = tojson(p)
        @test startswith(json, "{") && endswith(json, "}")
        q = fromjson(json)
        @test tojson(q) == json
        r = copy(p)
        set!(r, "xbar.adc.mvm.bits", 4)
        @test p["xbar.adc.mvm.bits"] == "8" && r["xbar.adc.mvm.bits"] == "4"
        @test occursin("rows_max", getjson(preset("default"), "core"))

        e = xbar_error(() -> preset("no-such-preset"))
        @test e.name == :PARAMS && occursin("no-such-preset", e.msg)
        @test xbar_error(() -> fromjson("{not json")).name == :PARSE
        e = xbar_error(() -> set!(p, "xbar.adc.mvm.no_such_key", 1))
        @test e.name == :PARAMS && occursin("no_such_key", e.msg)
        @test xbar_error(() -> setjson!(p, "xbar.adc.mvm.bits", "eight")).name == :PARSE
        @test p["xbar.adc.mvm.bits"] == "8"
        @test sprint(showerror, e) == "XbarError(:PARAMS): " * e.msg

        close(p)
        close(p)                                       # idempotent
        @test !isopen(p)
        @test_throws ArgumentError getjson(p, "core")
    end

    @testset "AnalogCore" begin
        rows, cols, batch = 6, 5, 3
        W = [((3i + 5j) % 7) / 4 - 0.75 for i in 0:rows-1, j in 0:cols-1]
        X = [((b + 2j) % 5) / 4 - 0.5 for j in 0:cols-1, b in 0:batch-1]   # cols x batch
        p = preset("default")
        core = AnalogCore(p, rows, cols; seed = 1)
        @test size(core) == (rows, cols)
        @test xbar_error(() -> core * X).name == :NOT_PROGRAMMED

        program!(core, W)
        Y = core * X
        @test size(Y) == (rows, batch)
        @test isapprox(Y, W * X; atol = 1e-5)
        @test mvm(core, X) == Y
        Y2 = similar(Y)
        @test mvm!(Y2, core, X) === Y2 && Y2 == Y
        @test core * X[:, 2] == Y[:, 2]                # a vector is a batch of one
        @test core * view(X, :, 1:2) == Y[:, 1:2]      # non-contiguous input: copied, same numbers
        @test isapprox(weights(core), W; atol = 1e-6)

        # the transpose of a row-major buffer programs the same matrix without a copy
        core2 = AnalogCore(p, rows, cols; seed = 1)
        program!(core2, transpose(permutedims(W)))
        @test core2 * X == Y

        # VMM: V' * core (V is rows x batch)
        V = [((2i + b) % 4) / 4 - 0.25 for i in 0:rows-1, b in 0:1]
        Z = V' * core
        @test size(Z) == (2, cols)
        @test isapprox(Z, V' * W; atol = 1e-5)
        @test transpose(V) * core == Z
        @test vmm(core, V) == permutedims(Z)
        v = V[:, 1]
        @test v' * core == Z[1:1, :]

        # single precision and integers
        Yf = core * Float32.(X)
        @test eltype(Yf) == Float32 && isapprox(Yf, Y; atol = 1e-5)
        @test eltype(weights(core; eltype = Float32)) == Float32
        @test eltype(core * ones(Int, cols)) == Float64

        # errors
        @test xbar_error(() -> core * ones(cols + 1)).name == :SHAPE
        @test xbar_error(() -> mvm!(zeros(rows, batch + 1), core, X)).name == :SHAPE
        Xbad = copy(X); Xbad[2, 1] = NaN
        e = xbar_error(() -> core * Xbad)
        @test e.name == :INVALID_ARGUMENT && occursin("x[1]", e.msg)
        @test xbar_error(() -> program!(core, ones(cols, rows))).name == :SHAPE
        @test core * X == Y                            # failures left the core unchanged

        # update!: a zero learning rate changes nothing
        update!(core, X, ones(rows, batch), 0.0)
        update!(core, Float32.(X), ones(Float32, rows, batch), 0.0)
        @test xbar_error(() -> update!(core, X, ones(rows, batch), -0.1)).name == :INVALID_ARGUMENT
        @test xbar_error(() -> update!(core, X, ones(rows, batch + 1), 0.1)).name == :SHAPE
        # set_time!: without a drift model in the parameters nothing changes
        @test set_time!(core, 3600) === core
        @test core * X == Y
        @test xbar_error(() -> set_time!(core, NaN)).name == :INVALID_ARGUMENT
        @test xbar_error(() -> set_time!(core, -1)).name == :INVALID_ARGUMENT
        @test xbar_error(() -> set_time!(AnalogCore(p, rows, cols), 1)).name == :NOT_PROGRAMMED
        # what the core holds: arrays, their conductances (siemens), the compensation factor
        infos = arrays(core)
        @test !isempty(infos) && all(a -> a.role in (:single, :positive, :negative), infos)
        @test sum(a -> a.rows * a.cols, infos) == infos[end].offset + infos[end].rows * infos[end].cols
        G = conductances(core)
        @test length(G) == length(infos) && all(k -> size(G[k]) == (infos[k].rows, infos[k].cols), eachindex(G))
        gmax = 1 / parse(Float64, getjson(p, "xbar.device.Rmin"))
        @test all(g -> all(v -> 0 <= v <= gmax * (1 + 1e-12), g), G)
        @test drift_compensation(core) == 1.0
        @test xbar_error(() -> conductances(AnalogCore(p, rows, cols))).name == :NOT_PROGRAMMED

        close(core)
        close(core)
        @test !isopen(core)
        @test_throws ArgumentError core * X
        @test AnalogCore(c -> size(c), p, 3, 2) == (3, 2)   # do-block form closes the core
    end

    @testset "complex" begin
        p = Params()
        set!(p, "core.complex_matrix", true)
        W = ComplexF64[1+0.5im -0.25 1im; -0.5im 0.75-1im 0.5+0.25im]
        core = AnalogCore(p, 2, 3; seed = 3)
        program!(core, W)
        x = ComplexF64[1, 0.5 - 0.5im, -1 + 2im]
        @test isapprox(core * x, W * x; atol = 1e-5)
        @test isapprox(weights(core; eltype = ComplexF64), W; atol = 1e-6)
        v = ComplexF64[1 + 1im, -0.5]
        @test isapprox(transpose(v) * core, transpose(v) * W; atol = 1e-5)
        @test isapprox(v' * core, v' * W; atol = 1e-5)
    end

    @testset "lookup tables, saved cores, SPICE" begin
        # Synthetic pulse trains (the same in tests/bindings/cpp/test_xbar.cpp):
        # 6 ramps of 80 pulses; SET steps shrink toward 110 uS, RESET steps toward 0.
        function write_ramps(path, up)
            G = zeros(81, 6)
            for r in 0:5
                G[1, r + 1] = up ? 1e-5 + 1e-6 * r : 1e-4 - 1e-6 * r
                for i in 0:79
                    g, f = G[i + 1, r + 1], 0.75 + 0.1 * ((r + i) % 6)
                    G[i + 2, r + 1] = up ? g + 1.5e-6 * (1 - g / 1.1e-4) * f : g - 1.5e-6 * (g / 1.1e-4) * f
                end
            end
            open(io -> foreach(row -> println(io, join(repr.(row), ",")), eachrow(G)), path, "w")
        end
        dir = mktempdir()
        set, reset = joinpath(dir, "set.csv"), joinpath(dir, "reset.csv")
        write_ramps(set, true)
        write_ramps(reset, false)
        lutdir = mkpath(joinpath(dir, "lut"))
        @test lut_from_pulse_trains(set, reset, lutdir) == lutdir
        @test isfile(joinpath(lutdir, "dG_increasing.txt")) && isfile(joinpath(lutdir, "dG_decreasing.txt"))
        @test xbar_error(() -> lut_from_pulse_trains(joinpath(dir, "none.csv"), reset, lutdir)).name == :IO
        @test xbar_error(() -> LookupTable(joinpath(dir, "missing"))).name == :IO
        lut = LookupTable(lutdir)
        @test isopen(lut)

        p = Params()
        core = AnalogCore(p, 2, 2; seed = 5)
        program!(core, zeros(2, 2))
        @test set_lookup_table!(core, lut) === core
        close(lut)                                     # the core keeps its own reference
        close(lut)
        @test !isopen(lut)
        @test_throws ArgumentError set_lookup_table!(core, lut)
        x, d = [1.0, 1.0], [1.0, -1.0]
        for _ in 1:20
            update!(core, x, d, 0.01)
        end
        W = weights(core)
        @test W[1, 1] > 0 && W[1, 2] > 0 && W[2, 1] < 0 && W[2, 2] < 0

        # saved state: the copies continue bit for bit, lookup tables included
        bytes = Xbar.serialize(core)
        @test bytes isa Vector{UInt8} && length(bytes) > 100
        path = joinpath(dir, "core.xbar")
        @test Xbar.save(core, path) == path
        @test read(path) == bytes
        copies = [Xbar.deserialize(bytes), load_core(path)]
        @test all(c -> size(c) == (2, 2) && weights(c) == W, copies)
        update!(core, x, d, 0.01)
        foreach(c -> update!(c, x, d, 0.01), copies)
        @test all(c -> weights(c) == weights(core), copies)
        @test xbar_error(() -> Xbar.deserialize(bytes[1:end-1])).name == :PARSE
        @test xbar_error(() -> load_core(joinpath(dir, "missing.xbar"))).name == :IO

        # SPICE netlist of the first array
        q = Params()
        set!(q, "xbar.array.parasitics", (enable = true, Rp_row = 1.0, Rp_col = 2.0))
        sc = AnalogCore(q, 2, 2; seed = 5)
        @test xbar_error(() -> export_spice(sc, [0.5, -1.0])).name == :NOT_PROGRAMMED
        program!(sc, [0.5 -0.25; 1.0 0.0])
        deck = export_spice(sc, [0.5, -1.0])
        @test deck isa String && !occursin('\0', deck)
        @test occursin("VY0 t0 0 DC 0", deck) && occursin(".op", deck)
        @test occursin("* xbar i(vy1) = ", deck) && occursin("\n.end\n", deck)
        @test xbar_error(() -> export_spice(sc, ones(3))).name == :SHAPE
        @test xbar_error(() -> export_spice(sc, [NaN, 0.0])).name == :INVALID_ARGUMENT

        # Cost report: one MVM of a 2 x 2 BALANCED core, 2 arrays x 2 inputs.
        mvm(sc, [0.5, -1.0])
        report = cost_json(sc)
        @test occursin("\"since_program\"", report) && occursin("\"array_reads\": 2", report)
        @test occursin("\"dac\": 4,", report)
        cost_reset!(sc)
        @test occursin("\"array_reads\": 0", cost_json(sc))
        rm(dir; recursive = true)
    end

    @testset "cross-language reference case" begin
        # The same case as tests/bindings/main.rs (Rust), reference_case.c (C),
        # test_xbar.cpp (C++) and test_xbar.m (Octave): bit-identical results.
        lines = filter(l -> !startswith(l, "#") && !isempty(strip(l)),
                       readlines(joinpath(REPO, "tests", "bindings", "reference_64x48.txt")))
        want = [reinterpret(Float64, parse(UInt64, split(l)[1]; base = 16)) for l in lines]
        W = [((7i + 3j) % 17) / 8 - 1 for i in 0:63, j in 0:47]
        X = [((5b + 11j) % 13) / 8 - 0.75 for j in 0:47, b in 0:3]   # 48 x 4, column-major
        core = AnalogCore(preset("default"), 64, 48; seed = 7)
        program!(core, W)
        Y = core * X                                                 # 64 x 4
        @test length(want) == length(Y)
        @test reinterpret(UInt64, vec(Y)) == reinterpret(UInt64, want)
    end

    @testset "README example" begin
        include(joinpath(@__DIR__, "..", "examples", "example.jl"))
    end
end
