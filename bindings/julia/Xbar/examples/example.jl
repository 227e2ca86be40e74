using Xbar
p = Xbar.preset("default")
p["xbar.adc.mvm"] = (model = "QuantizerADC", bits = 8, calibrated_range = [-12, 12])
core = AnalogCore(p, 64, 48; seed = 1)
W = rand(64, 48) .- 0.5
program!(core, W)                 # a Matrix goes in column-major, without a copy
X = rand(48, 16)                  # 16 input vectors as columns
Y = core * X                      # 64 x 16: W * X through DACs, arrays and 8-bit ADCs
println("max |Y - W X| = ", maximum(abs, Y - W * X))
close(core)                       # or leave it to the garbage collector
