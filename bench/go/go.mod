module fanout.dev/bench/go

go 1.19
