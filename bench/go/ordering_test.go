// The cost ordering the project's article states (atomic < mutex < uncontended channel send <
// contended channel send), measured the same way here and in CostOrderingBenchmark
// (bench/src/main/java/dev/fanout/bench/), whose method names are the suffixes after Order_.
//
// Definition, word for word the same in both files: one operation is one atomic add (atomic1,
// atomic2), one lock, increment and unlock (lock1, lock2), one send followed by one receive on the
// same thread (channelOneThread), or one item sent by a producer and received by the consumer
// (channel1to1, channel4to1: one and four producers, one consumer). One invocation starts its
// threads (Java: virtual threads; Go: goroutines), even when there is only one, gives each an equal
// share of K operations (K = 1,000,000 for the atomic and lock rows, 100,000 for the channel rows),
// and waits for all of them; the score is the invocation's wall time divided by K: nanoseconds per
// operation of the whole system, not per thread. The two-thread rows share one counter or one lock;
// the channel rows use one buffered(16) channel carrying the values k & 127 (Java: Integers, all
// from the JDK's cache, so no allocation; Go: ints). Java: JMH with @OperationsPerInvocation(K), so
// JMH's ns/op is per operation. Go: b.N counts operations, run as invocations of K (the last one
// takes the remainder), so go test's ns/op is per operation too.

package bench

import (
	"sync"
	"sync/atomic"
	"testing"
)

const (
	orderCounterOps   = 1_000_000 // K for the atomic and lock rows
	orderChannelItems = 100_000   // K for the channel rows, as for BenchmarkTransfer*
)

// orderRun runs b.N operations as invocations of k operations each (the last one takes the
// remainder). invoke does n operations and returns a value that goes to sink.
func orderRun(b *testing.B, k int, invoke func(n int) int64) {
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := k
		if left := b.N - done; left < n {
			n = left
		}
		sink += invoke(n)
		done += n
	}
}

// share is goroutine i's part of n operations split between t goroutines.
func share(n, t, i int) int {
	s := n / t
	if i < n%t {
		s++
	}
	return s
}

// startAll runs each function on its own goroutine, in order, and waits for all of them.
func startAll(fs ...func()) {
	var wg sync.WaitGroup
	wg.Add(len(fs))
	for _, f := range fs {
		go func(f func()) {
			defer wg.Done()
			f()
		}(f)
	}
	wg.Wait()
}

func orderAtomics(b *testing.B, goroutines int) {
	var counter int64
	orderRun(b, orderCounterOps, func(n int) int64 {
		fs := make([]func(), goroutines)
		for i := range fs {
			each := share(n, goroutines, i)
			fs[i] = func() {
				for k := 0; k < each; k++ {
					atomic.AddInt64(&counter, 1)
				}
			}
		}
		startAll(fs...)
		return atomic.LoadInt64(&counter)
	})
}

func orderLocks(b *testing.B, goroutines int) {
	var mu sync.Mutex
	var locked int64 // only while holding mu
	orderRun(b, orderCounterOps, func(n int) int64 {
		fs := make([]func(), goroutines)
		for i := range fs {
			each := share(n, goroutines, i)
			fs[i] = func() {
				for k := 0; k < each; k++ {
					mu.Lock()
					locked++
					mu.Unlock()
				}
			}
		}
		startAll(fs...)
		return locked
	})
}

// orderTransfer: producers send their share of n values each; one consumer receives all n.
func orderTransfer(b *testing.B, producers int) {
	ch := make(chan int, 16)
	orderRun(b, orderChannelItems, func(n int) int64 {
		fs := make([]func(), producers+1)
		for i := 0; i < producers; i++ {
			each := share(n, producers, i)
			fs[i] = func() {
				for k := 0; k < each; k++ {
					ch <- k & 127
				}
			}
		}
		var sum int64
		fs[producers] = func() {
			var s int64
			for k := 0; k < n; k++ {
				s += int64(<-ch)
			}
			sum = s
		}
		startAll(fs...)
		return sum
	})
}

func BenchmarkOrder_atomic1(b *testing.B) { orderAtomics(b, 1) }
func BenchmarkOrder_atomic2(b *testing.B) { orderAtomics(b, 2) }
func BenchmarkOrder_lock1(b *testing.B)   { orderLocks(b, 1) }
func BenchmarkOrder_lock2(b *testing.B)   { orderLocks(b, 2) }

// BenchmarkOrder_channelOneThread: one goroutine, K times a send then a receive; the channel never
// blocks.
func BenchmarkOrder_channelOneThread(b *testing.B) {
	ch := make(chan int, 16)
	orderRun(b, orderChannelItems, func(n int) int64 {
		var sum int64
		startAll(func() {
			var s int64
			for k := 0; k < n; k++ {
				ch <- k & 127
				s += int64(<-ch)
			}
			sum = s
		})
		return sum
	})
}

func BenchmarkOrder_channel1to1(b *testing.B) { orderTransfer(b, 1) }
func BenchmarkOrder_channel4to1(b *testing.B) { orderTransfer(b, 4) }
