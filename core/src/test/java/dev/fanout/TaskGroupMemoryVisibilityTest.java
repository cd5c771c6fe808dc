package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fanout.TaskGroupTestSupport.Flavour;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Memory consistency effects from the class javadoc: actions before fork happen-before the task;
 * actions of every task happen-before join returns or throws. Everything written here is plain
 * (non-volatile, unsynchronised): only the group's own edges make it visible.
 */
@Timeout(60)
class TaskGroupMemoryVisibilityTest {

  /** Plain fields, written by one task each. */
  static final class Record {
    int id;
    long checksum;
    String text;
    Record self;
  }

  /** Written by the owner before fork, read by the tasks. */
  static final class Input {
    int multiplier;
    String prefix;
  }

  @ParameterizedTest(name = "{1} tasks on {0} threads")
  @CsvSource({"VIRTUAL, 10000", "PLATFORM, 1000"}) // 10,000 platform threads would be slow
  void ownerSeesEveryPlainWriteOfEveryTaskAfterJoin(Flavour flavour, int n) throws Exception {
    Input input = new Input();
    input.multiplier = 31; // plain writes before fork...
    input.prefix = "doc-";
    int[] slots = new int[n];
    Record[] records = new Record[n];
    for (int i = 0; i < n; i++) {
      records[i] = new Record();
    }
    try (TaskGroup group = TaskGroup.open(TaskGroup.config().threadFactory(flavour.base()))) {
      for (int i = 0; i < n; i++) {
        int slot = i;
        group.fork(
            () -> {
              slots[slot] = slot * input.multiplier + 1; // ...read by the task
              Record r = records[slot];
              r.id = slot;
              r.checksum = (long) slot * slot;
              r.text = input.prefix + slot;
              r.self = r;
              return null;
            });
      }
      group.join();
    }
    for (int i = 0; i < n; i++) {
      assertEquals(i * 31 + 1, slots[i], "slot " + i);
      Record r = records[i];
      assertEquals(i, r.id);
      assertEquals((long) i * i, r.checksum);
      assertEquals("doc-" + i, r.text);
      assertSame(r, r.self);
    }
  }

  /** The edge holds when join throws too: writes of the tasks that ran are all visible. */
  @ParameterizedTest(name = "on {0} threads")
  @CsvSource({"VIRTUAL", "PLATFORM"})
  void writesAreVisibleWhenJoinThrowsToo(Flavour flavour) throws Exception {
    int n = 500;
    int[] slots = new int[n];
    CountDownLatch written = new CountDownLatch(n);
    List<Subtask<Integer>> tasks = new ArrayList<>();
    try (TaskGroup group = TaskGroup.open(TaskGroup.config().threadFactory(flavour.base()))) {
      for (int i = 0; i < n; i++) {
        int slot = i;
        tasks.add(
            group.fork(
                () -> {
                  slots[slot] = slot + 1;
                  written.countDown();
                  return slot;
                }));
      }
      // Fails once the others have written; their writes must still be visible after join.
      group.fork(
          () -> {
            written.await();
            throw new IllegalStateException("fails after the others wrote");
          });
      assertThrows(FailedException.class, group::join);
    }
    for (int i = 0; i < n; i++) {
      assertEquals(i + 1, slots[i], "slot " + i);
      assertEquals(i, tasks.get(i).get());
    }
  }
}
