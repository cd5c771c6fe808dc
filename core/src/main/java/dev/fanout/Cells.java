package dev.fanout;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A few counters that different threads write often, each on its own cache lines, away from the
 * fields of the object that owns them. A counter kept in an ordinary field, or in an AtomicInteger
 * allocated next to its owner, shares a cache line with fields that the other threads read on every
 * task, so each write by one thread costs every reader a miss ("false sharing"). Measured in
 * fan-outs of 10,000 no-op tasks on 2 carriers: about 90 ns per task in TaskGroup (which has since
 * stopped counting altogether) and about 20 ns in BatchRun, which keeps its counters here
 * (docs/adr/0013).
 *
 * <p>Each cell is a long at a 128-byte stride (two cache lines, since x86 fetches lines in adjacent
 * pairs) in one array, with a stride of padding before the first and after the last.
 */
final class Cells {
  private static final int STRIDE = 16; // longs: 128 bytes
  private final AtomicLongArray cells;

  Cells(int count) {
    this.cells = new AtomicLongArray((count + 1) * STRIDE + 1);
  }

  private static int at(int cell) {
    return (cell + 1) * STRIDE;
  }

  long get(int cell) {
    return cells.get(at(cell));
  }

  void set(int cell, long value) {
    cells.set(at(cell), value);
  }

  long decrementAndGet(int cell) {
    return cells.decrementAndGet(at(cell));
  }

  long getAndIncrement(int cell) {
    return cells.getAndIncrement(at(cell));
  }

  long addAndGet(int cell, long delta) {
    return cells.addAndGet(at(cell), delta);
  }
}
