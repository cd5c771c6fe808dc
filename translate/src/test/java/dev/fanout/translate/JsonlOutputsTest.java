package dev.fanout.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON Lines outputs written as records are decided, in input order, with bounded memory. */
class JsonlOutputsTest {
  @TempDir Path out;

  private static JsonlOutputs.Line line(int i) {
    return new JsonlOutputs.Line("id-" + i, "acme", "text " + i);
  }

  private static String json(int i) {
    return "{\"id\":\"id-" + i + "\",\"tenant\":\"acme\",\"text\":\"text " + i + "\"}";
  }

  private List<String> tempFiles() throws Exception {
    try (Stream<Path> s = Files.list(out)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
    }
  }

  @Test
  void linesDecidedInAnyOrderAreWrittenInInputOrderAndFailuresLeaveNoLine() throws Exception {
    JsonlOutputs outputs = new JsonlOutputs(out, 1000);
    List<JsonlOutputs.Slot> slots = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      slots.add(outputs.reserve("docs.jsonl"));
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(42));
    for (int i : order) {
      outputs.resolve(slots.get(i), i % 7 == 3 ? null : line(i)); // every 7th failed
    }
    assertFalse(Files.exists(out.resolve("docs.jsonl")), "in place only when the run finishes");
    outputs.finish();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      if (i % 7 != 3) {
        expected.add(json(i));
      }
    }
    assertEquals(expected, Files.readAllLines(out.resolve("docs.jsonl")));
    assertEquals(List.of(), tempFiles());
  }

  @Test
  void aPlannerTooFarAheadWaitsForTheEarliestUndecidedRecord() throws Exception {
    JsonlOutputs outputs = new JsonlOutputs(out, 2);
    JsonlOutputs.Slot first = outputs.reserve("a.jsonl");
    JsonlOutputs.Slot second = outputs.reserve("a.jsonl");
    outputs.resolve(second, line(2)); // decided, but held back by the first
    AtomicReference<Object> third = new AtomicReference<>();
    Thread planner = Background.start(third, () -> outputs.reserve("b.jsonl"));
    Awaitility.await().until(() -> planner.getState() == Thread.State.WAITING);
    assertEquals(null, third.get(), "two places taken and not written: the planner waits");
    outputs.resolve(first, line(1)); // writes both
    planner.join();
    assertTrue(third.get() instanceof JsonlOutputs.Slot, String.valueOf(third.get()));
    outputs.resolve((JsonlOutputs.Slot) third.get(), line(3)); // first in its file: at once
    outputs.finish();
    assertEquals(List.of(json(1), json(2)), Files.readAllLines(out.resolve("a.jsonl")));
    assertEquals(List.of(json(3)), Files.readAllLines(out.resolve("b.jsonl")));
  }

  @Test
  void stoppingReleasesAWaitingPlannerAndAStoppedRunKeepsWhatWasDecided() throws Exception {
    JsonlOutputs outputs = new JsonlOutputs(out, 2);
    JsonlOutputs.Slot first = outputs.reserve("a.jsonl");
    JsonlOutputs.Slot second = outputs.reserve("a.jsonl");
    AtomicReference<Object> third = new AtomicReference<>();
    Thread planner = Background.start(third, () -> outputs.reserve("a.jsonl"));
    Awaitility.await().until(() -> planner.getState() == Thread.State.WAITING);
    outputs.stop();
    planner.join();
    assertTrue(third.get() instanceof CancellationException, String.valueOf(third.get()));
    assertThrows(CancellationException.class, () -> outputs.reserve("a.jsonl"));
    outputs.resolve(second, line(2)); // the first was never decided (the run stopped)
    outputs.finish();
    assertEquals(List.of(json(2)), Files.readAllLines(out.resolve("a.jsonl")));
    assertFalse(first == null);
  }

  @Test
  void anOutputWhoseRecordsAllFailedIsEmptyNotMissing() throws Exception {
    JsonlOutputs outputs = new JsonlOutputs(out, 10);
    outputs.resolve(outputs.reserve("x.jsonl"), null);
    outputs.finish();
    assertEquals(0, Files.size(out.resolve("x.jsonl")));
  }

  @Test
  void abandonLeavesNoTemporaryFileAndTouchesNoOutput() throws Exception {
    Files.writeString(out.resolve("docs.jsonl"), "from an earlier run\n");
    JsonlOutputs outputs = new JsonlOutputs(out, 10);
    outputs.resolve(outputs.reserve("docs.jsonl"), line(1));
    assertEquals(1, tempFiles().size(), "written as decided, into a temporary file");
    outputs.abandon();
    assertEquals(List.of(), tempFiles());
    assertEquals("from an earlier run\n", Files.readString(out.resolve("docs.jsonl")));
  }

  @Test
  void anOutputNameLeavingTheDirectoryIsRefused() throws Exception {
    JsonlOutputs outputs = new JsonlOutputs(out, 10);
    JsonlOutputs.Slot slot = outputs.reserve("../escape.jsonl");
    assertThrows(IllegalArgumentException.class, () -> outputs.resolve(slot, line(1)));
    outputs.abandon();
    assertFalse(Files.exists(out.getParent().resolve("escape.jsonl")));
  }
}
