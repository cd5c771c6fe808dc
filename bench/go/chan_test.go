// Go side by side for ChannelBenchmark and ChannelSingleThreadBenchmark (bench/src/main/java/...).
// Standard library only. Each op of BenchmarkTransfer* moves items (100,000) from producer
// goroutines to one consumer goroutine; bench/go/run.sh divides ns/op by items to get ns per
// item. BenchmarkSingleSendReceive16 is one send then one receive per op (ns/op is per pair).
package bench

import (
	"sync"
	"testing"
)

const items = 100_000

var sink int64

// transfer mirrors ChannelBenchmark.transfer: producers goroutines send items/producers ints each
// into ch, one consumer goroutine receives them all and sums them; the caller waits for all.
func transfer(ch chan int, producers int) int64 {
	each := items / producers
	var wg sync.WaitGroup
	wg.Add(producers)
	for i := 0; i < producers; i++ {
		go func() {
			defer wg.Done()
			for k := 0; k < each; k++ {
				ch <- k
			}
		}()
	}
	done := make(chan int64)
	go func() {
		var s int64
		for k := 0; k < each*producers; k++ {
			s += int64(<-ch)
		}
		done <- s
	}()
	wg.Wait()
	return <-done
}

func benchTransfer(b *testing.B, capacity, producers int) {
	ch := make(chan int, capacity) // one channel per benchmark, like the @Setup in Java
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sink += transfer(ch, producers)
	}
}

func BenchmarkTransfer_P1_Rendezvous(b *testing.B)   { benchTransfer(b, 0, 1) }
func BenchmarkTransfer_P4_Rendezvous(b *testing.B)   { benchTransfer(b, 0, 4) }
func BenchmarkTransfer_P1_Buffered16(b *testing.B)   { benchTransfer(b, 16, 1) }
func BenchmarkTransfer_P4_Buffered16(b *testing.B)   { benchTransfer(b, 16, 4) }
func BenchmarkTransfer_P1_Buffered1024(b *testing.B) { benchTransfer(b, 1024, 1) }
func BenchmarkTransfer_P4_Buffered1024(b *testing.B) { benchTransfer(b, 1024, 4) }

// BenchmarkSingleSendReceive16 mirrors ChannelSingleThreadBenchmark.fanoutSendReceive.
func BenchmarkSingleSendReceive16(b *testing.B) {
	ch := make(chan int, 16)
	var s int
	for i := 0; i < b.N; i++ {
		ch <- 42
		s += <-ch
	}
	sink += int64(s)
}

// TestTransferSums checks that every item arrives exactly once (so the benchmarks measure a
// correct transfer).
func TestTransferSums(t *testing.T) {
	for _, p := range []int{1, 4} {
		for _, c := range []int{0, 16, 1024} {
			each := int64(items / p)
			want := int64(p) * each * (each - 1) / 2
			if got := transfer(make(chan int, c), p); got != want {
				t.Fatalf("producers=%d capacity=%d: sum %d, want %d", p, c, got, want)
			}
		}
	}
}
