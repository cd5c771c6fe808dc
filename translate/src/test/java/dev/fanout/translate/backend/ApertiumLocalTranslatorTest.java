package dev.fanout.translate.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.translate.Background;
import dev.fanout.translate.TranslationException;
import dev.fanout.translate.TranslationRequest;
import dev.fanout.translate.TranslationRequest.Format;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local engine on the real Apertium of this machine ({@code apertium}, {@code
 * apertium-eng-spa}), and on tiny fake engines (shell scripts named by a mode file) for the ways a
 * pipeline breaks. Every test but the mode file syntax one is skipped, with a message, where
 * Apertium is not installed.
 */
class ApertiumLocalTranslatorTest {

  @TempDir Path dir;

  /** Skips the calling test, saying why, where Apertium or its eng-spa pair is missing. */
  private static void requireApertium() {
    RealEngines.require(
        ApertiumLocalTranslator.installed(),
        "Apertium is not installed (lt-proc and apertium-destxt/-retxt/-deshtml/-rehtml not on"
            + " PATH): apt-get install apertium apertium-eng-spa");
    RealEngines.require(
        ApertiumLocalTranslator.supports(
            ApertiumLocalTranslator.DEFAULT_MODES_DIRECTORY, "en", "es"),
        "Apertium's eng-spa pair is not installed in "
            + ApertiumLocalTranslator.DEFAULT_MODES_DIRECTORY
            + ": apt-get install apertium-eng-spa");
  }

  private static ApertiumLocalTranslator engine(int pipelines) {
    return new ApertiumLocalTranslator(
        ApertiumLocalTranslator.DEFAULT_MODES_DIRECTORY, pipelines, Duration.ofSeconds(60));
  }

  private static TranslationRequest enEs(String text) {
    return new TranslationRequest(text, "en", "es", Format.TEXT, null);
  }

  @Test
  void superblankTokensWrapsEachWellFormedTokenAndNothingElse() {
    assertEquals("the [⟦1⟧] file, [⟦12⟧]é[⟦123456⟧]", superblanks("the ⟦1⟧ file, ⟦12⟧é⟦123456⟧"));
    // not tokens: empty, seven digits, a space or a letter inside, a bracket without its pair
    assertEquals(
        "⟦⟧ ⟦1234567⟧ ⟦1 ⟧ ⟦x⟧ ⟦[⟦2⟧] ⟧3⟧ ⟦4", superblanks("⟦⟧ ⟦1234567⟧ ⟦1 ⟧ ⟦x⟧ ⟦⟦2⟧ ⟧3⟧ ⟦4"));
    byte[] plain = "no token [here] ⟧".getBytes(StandardCharsets.UTF_8);
    assertTrue(
        plain == ApertiumLocalTranslator.superblankTokens(plain), "unchanged: the same bytes");
  }

  private static String superblanks(String deformatted) {
    return new String(
        ApertiumLocalTranslator.superblankTokens(deformatted.getBytes(StandardCharsets.UTF_8)),
        StandardCharsets.UTF_8);
  }

  @Test
  void translatesASentence() throws Exception {
    requireApertium();
    try (var t = engine(1)) {
      assertEquals("apertium", t.name());
      String es = t.translate(enEs("The cat is on the table."));
      assertTrue(es.contains("gato"), es);
      assertFalse(es.contains("*"), "no unknown-word marks: " + es);
      // The other direction, and the same pipeline again.
      String en =
          t.translate(
              new TranslationRequest("El gato come pescado.", "es", "en", Format.TEXT, null));
      assertTrue(en.toLowerCase(java.util.Locale.ROOT).contains("cat"), en);
      assertTrue(t.translate(enEs("The dog sleeps.")).contains("perro"));
    }
  }

  @Test
  void keepsSentencesAndLineBreaks() throws Exception {
    requireApertium();
    try (var t = engine(1)) {
      String es =
          t.translate(
              enEs(
                  "The cat is on the table. The dog sleeps.\nI like apples.\n\nThe house is big."));
      List<String> lines = es.lines().toList();
      assertEquals(4, lines.size(), es);
      assertTrue(lines.get(0).contains("gato") && lines.get(0).contains("perro"), es);
      assertTrue(lines.get(1).contains("manzanas"), es);
      assertEquals("", lines.get(2), es);
      assertTrue(lines.get(3).contains("casa"), es);
      assertTrue(t.translate(enEs("Hello.\n")).endsWith("\n"), "a final line break is kept");
    }
  }

  @Test
  void translatesHtmlAndKeepsTheTags() throws Exception {
    requireApertium();
    try (var t = engine(1)) {
      String es =
          t.translate(
              new TranslationRequest(
                  "<p>The <b>black cat</b> is on the <a href=\"t.html\">table</a>.</p>",
                  "en",
                  "es",
                  Format.HTML,
                  null));
      assertTrue(es.startsWith("<p>") && es.endsWith("</p>"), es);
      assertTrue(es.contains("<b>gato negro</b>"), es);
      assertTrue(es.contains("<a href=\"t.html\">mesa</a>"), es);
    }
  }

  @Test
  void concurrentRequestsEachGetTheAnswerToTheirOwnText() throws Exception {
    requireApertium();
    List<String> subjects =
        List.of("The cat", "The dog", "My brother", "The teacher", "Your neighbour");
    List<String> predicates =
        List.of(
            "eats an apple.",
            "sleeps in the garden.",
            "reads a long book.",
            "buys a red car.",
            "writes a letter to the mayor.",
            "sings in the kitchen.",
            "opens the window.",
            "drinks cold water.");
    List<String> texts = new ArrayList<>();
    for (String s : subjects) {
      for (String p : predicates) {
        texts.add(s + " " + p);
      }
    }
    try (var t = engine(3)) {
      Map<String, String> sequential = new LinkedHashMap<>();
      for (String text : texts) {
        sequential.put(text, t.translate(enEs(text)));
      }
      assertEquals(
          texts.size(),
          new HashSet<>(sequential.values()).size(),
          "distinct sentences, distinct translations");

      ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < 8; w++) {
        List<String> mine = new ArrayList<>(texts);
        Collections.rotate(mine, w * 5); // each thread in its own order
        threads.add(
            Thread.ofVirtual()
                .name("client-" + w)
                .start(
                    () -> {
                      for (String text : mine) {
                        try {
                          String got = t.translate(enEs(text));
                          if (!got.equals(sequential.get(text))) {
                            problems.add(text + " -> " + got + " (alone: " + sequential.get(text));
                          }
                        } catch (Exception e) {
                          problems.add(text + " -> " + e);
                        }
                      }
                    }));
      }
      for (Thread th : threads) {
        th.join();
      }
      assertEquals(List.of(), List.copyOf(problems));
      assertTrue(t.pipelinesStarted() <= 3, "at most one pipeline per slot: " + t);
    }
  }

  @Test
  void anUnsupportedPairIsPermanent() throws Exception {
    requireApertium();
    try (var t = engine(1)) {
      for (TranslationRequest r :
          List.of(
              new TranslationRequest("Hello.", "en", "fr", Format.TEXT, null),
              new TranslationRequest("Hello.", "en", "xx", Format.TEXT, null),
              new TranslationRequest("Hello.", "en", "qqq", Format.TEXT, null))) {
        TranslationException e = assertThrows(TranslationException.class, () -> t.translate(r));
        assertEquals("unsupported_pair", e.reason(), e.getMessage());
        assertFalse(e.isTransient());
      }
      assertEquals(0, t.pipelinesStarted());
    }
    assertFalse(ApertiumLocalTranslator.supports("en", "fr"));
    assertTrue(
        ApertiumLocalTranslator.pairs(ApertiumLocalTranslator.DEFAULT_MODES_DIRECTORY)
            .containsAll(Set.of("eng-spa", "spa-eng")));
  }

  @Test
  void interruptingARequestReplacesItsPipeline() throws Exception {
    requireApertium();
    // About 8,000 characters: a few hundred milliseconds of work, written by the writer thread.
    StringBuilder sb = new StringBuilder();
    for (int i = 0; sb.length() < 8_000; i++) {
      sb.append("The old man number ").append(i).append(" walks slowly to the green market. ");
    }
    String longText = sb.toString();
    try (var t = engine(1)) {
      assertTrue(t.translate(enEs("The cat is on the table.")).contains("gato"));
      Set<Long> before = pids(t.pipelineProcesses());
      assertFalse(before.isEmpty());

      AtomicReference<Object> outcome = new AtomicReference<>();
      Thread caller = Background.start(outcome, () -> t.translate(enEs(longText)));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (t.pipelinesBusy() == 0) {
        assertTrue(System.nanoTime() < deadline, "the long request never reached the pipeline");
        Thread.sleep(1);
      }
      caller.interrupt();
      caller.join();
      assertInstanceOf(InterruptedException.class, outcome.get(), String.valueOf(outcome.get()));
      // translate() returns only once the pipeline's processes have exited.
      for (long pid : before) {
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid);
      }
      assertEquals(List.of(), t.pipelineProcesses());

      assertTrue(t.translate(enEs("The dog sleeps.")).contains("perro"));
      Set<Long> after = pids(t.pipelineProcesses());
      assertFalse(after.isEmpty());
      assertTrue(Collections.disjoint(before, after), "a new pipeline");
      assertEquals(2, t.pipelinesStarted());
    }
  }

  @Test
  void closeLeavesNoProcessBehind() throws Exception {
    requireApertium();
    Set<Long> preexisting = pids(descendants());
    var t = engine(2);
    ConcurrentLinkedQueue<Exception> failures = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String text = "The cat number " + i + " is on the table.";
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      t.translate(enEs(text));
                    } catch (Exception e) {
                      failures.add(e);
                    }
                  }));
    }
    for (Thread th : threads) {
      th.join();
    }
    assertEquals(List.of(), List.copyOf(failures));
    List<ProcessHandle> engineProcesses = t.pipelineProcesses();
    assertFalse(engineProcesses.isEmpty());
    assertTrue(pids(descendants()).containsAll(pids(engineProcesses)));
    t.close();
    t.close(); // idempotent
    Set<Long> left = pids(descendants());
    left.removeAll(preexisting);
    assertEquals(Set.of(), left, "processes left after close()");
    assertThrows(IllegalStateException.class, () -> t.translate(enEs("Hello.")));
  }

  // ---------------------------------------------------------------- fake engines

  /** A mode file for en->fr that runs {@code script} (bash) as the only pipeline stage. */
  private Path fakeEngine(String script) throws IOException {
    Path modes = Files.createDirectories(dir.resolve("modes"));
    Path engine = dir.resolve("engine.sh");
    Files.writeString(engine, "#!/bin/bash\n" + script + "\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(engine, PosixFilePermissions.fromString("rwx------"));
    Files.writeString(modes.resolve("eng-fra.mode"), "'" + engine + "' $1 $2\n");
    return modes;
  }

  private static TranslationRequest enFr(String text) {
    return new TranslationRequest(text, "en", "fr", Format.TEXT, null);
  }

  /** Answers every NUL-terminated request with itself: checks the framing and the formatters. */
  private static final String ECHO =
      "[ \"$1\" = -z ] && [ \"$2\" = -n ] || exit 9\n"
          + "while IFS= read -r -d '' x; do printf '%s\\0' \"$x\"; done";

  @Test
  void aFakeEchoEngineGivesTheTextBackThroughTheFormatters() throws Exception {
    requireApertium();
    Path modes = fakeEngine(ECHO);
    assertEquals(Set.of("eng-fra"), ApertiumLocalTranslator.pairs(modes));
    assertTrue(ApertiumLocalTranslator.supports(modes, "en", "fr"));
    try (var t = new ApertiumLocalTranslator(modes, 1, Duration.ofSeconds(30))) {
      for (String text :
          List.of(
              "Plain.",
              "Two lines\nwith [brackets], ^carets$ and a \\ backslash.\n\nAnd a paragraph.",
              "Ünïcödé — “quotes” 日本語",
              "x".repeat(10_000) + " long enough for the writer thread.")) {
        assertEquals(text, t.translate(enFr(text)));
      }
      assertEquals("NUL removed", t.translate(enFr("NUL\0 removed")));
      assertEquals("  \n", t.translate(enFr("  \n")), "blank text is returned as is");
      assertEquals(1, t.pipelinesStarted());
    }
  }

  @Test
  void aPipelineThatDiedWhileIdleIsReplacedWithoutFailingACall() throws Exception {
    requireApertium();
    try (var t = new ApertiumLocalTranslator(fakeEngine(ECHO), 1, Duration.ofSeconds(30))) {
      assertEquals("One.", t.translate(enFr("One.")));
      List<ProcessHandle> old = t.pipelineProcesses();
      old.forEach(ProcessHandle::destroyForcibly);
      for (ProcessHandle h : old) {
        h.onExit().join();
      }
      assertEquals("Two.", t.translate(enFr("Two.")));
      assertEquals(2, t.pipelinesStarted());
    }
  }

  @Test
  void aStageThatExitsFailsTheCallAndIsReplaced() throws Exception {
    requireApertium();
    Path modes = fakeEngine("IFS= read -r -d '' x; echo 'boom: no data' >&2; exit 3");
    try (var t = new ApertiumLocalTranslator(modes, 1, Duration.ofSeconds(30))) {
      for (int i = 1; i <= 2; i++) {
        TranslationException e =
            assertThrows(TranslationException.class, () -> t.translate(enFr("Hello.")));
        assertEquals("engine_error", e.reason());
        assertTrue(e.isTransient());
        assertTrue(e.getMessage().contains("status 3"), e.getMessage());
        assertTrue(e.getMessage().contains("boom: no data"), e.getMessage());
        assertEquals(i, t.pipelinesStarted());
        assertEquals(List.of(), t.pipelineProcesses());
      }
    }
  }

  @Test
  void garbageFromThePipelineFailsTheCallAndReplacesIt() throws Exception {
    requireApertium();
    Path modes =
        fakeEngine("while IFS= read -r -d '' x; do printf '\\377\\376 not UTF-8\\0'; done");
    try (var t = new ApertiumLocalTranslator(modes, 1, Duration.ofSeconds(30))) {
      TranslationException e =
          assertThrows(TranslationException.class, () -> t.translate(enFr("Hello.")));
      assertEquals("engine_error", e.reason());
      assertTrue(e.isTransient());
      assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
      assertEquals(List.of(), t.pipelineProcesses(), "the pipeline was destroyed");
    }
  }

  @Test
  void aPipelineThatAnswersTwiceIsOutOfStep() throws Exception {
    requireApertium();
    Path modes =
        fakeEngine("while IFS= read -r -d '' x; do printf '%s\\0%s\\0' \"$x\" \"$x\"; done");
    try (var t = new ApertiumLocalTranslator(modes, 1, Duration.ofSeconds(30))) {
      TranslationException e =
          assertThrows(TranslationException.class, () -> t.translate(enFr("Hello.")));
      assertEquals("engine_error", e.reason());
      assertTrue(e.getMessage().contains("out of step"), e.getMessage());
    }
  }

  @Test
  void aTimeoutDestroysThePipelineAndItsChildren() throws Exception {
    requireApertium();
    Set<Long> preexisting = pids(descendants());
    // Never answers; and has a child of its own, which must not outlive it.
    Path modes = fakeEngine("sleep 600 & cat > /dev/null; wait");
    try (var t = new ApertiumLocalTranslator(modes, 1, Duration.ofMillis(300))) {
      long start = System.nanoTime();
      TranslationException e =
          assertThrows(TranslationException.class, () -> t.translate(enFr("Hello.")));
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertEquals("timeout", e.reason(), e.getMessage());
      assertTrue(e.isTransient());
      assertTrue(millis >= 250 && millis < 10_000, millis + " ms");
      Set<Long> left = pids(descendants());
      left.removeAll(preexisting);
      assertEquals(Set.of(), left, "the stage and its sleep child are gone");
    }
  }

  @Test
  void aModeFileWithAMissingProgramIsPermanent() throws Exception {
    requireApertium();
    Path modes = Files.createDirectories(dir.resolve("modes"));
    Files.writeString(modes.resolve("eng-fra.mode"), "no-such-apertium-program $1 | lt-proc x");
    try (var t = new ApertiumLocalTranslator(modes, 1, Duration.ofSeconds(30))) {
      TranslationException e =
          assertThrows(TranslationException.class, () -> t.translate(enFr("Hello.")));
      assertEquals("engine_error", e.reason());
      assertFalse(e.isTransient());
      assertTrue(e.getMessage().contains("no-such-apertium-program"), e.getMessage());
    }
  }

  @Test
  void interruptedWhileWaitingForAPipelineDestroysNothing() throws Exception {
    requireApertium();
    Path modes = fakeEngine("cat > /dev/null");
    try (var t = new ApertiumLocalTranslator(modes, 1, Duration.ofSeconds(30))) {
      AtomicReference<Object> first = new AtomicReference<>();
      Thread holder = Background.start(first, () -> t.translate(enFr("I hold the only pipeline.")));
      while (t.pipelinesBusy() == 0) {
        Thread.sleep(1);
      }
      List<ProcessHandle> busy = t.pipelineProcesses();
      AtomicReference<Object> second = new AtomicReference<>();
      Thread waiter = Background.start(second, () -> t.translate(enFr("I wait.")));
      // Let the waiter deformat its text and queue for the pipeline, then interrupt it.
      Thread.sleep(300);
      waiter.interrupt();
      waiter.join();
      assertInstanceOf(InterruptedException.class, second.get(), String.valueOf(second.get()));
      assertTrue(busy.stream().allMatch(ProcessHandle::isAlive), "the busy pipeline is untouched");
      holder.interrupt();
      holder.join();
      assertInstanceOf(InterruptedException.class, first.get(), String.valueOf(first.get()));
      assertTrue(busy.stream().noneMatch(ProcessHandle::isAlive));
    }
  }

  // ---------------------------------------------------------------- mode files

  @Test
  void modeFilesBecomeNullFlushCommands() throws Exception {
    requireApertium();
    String mode =
        Files.readString(ApertiumLocalTranslator.DEFAULT_MODES_DIRECTORY.resolve("eng-spa.mode"));
    List<List<String>> commands = ApertiumLocalTranslator.ModeFile.commands(mode);
    assertTrue(commands.size() > 5, commands.toString());
    for (List<String> c : commands) {
      assertEquals("-z", c.get(1), c.toString());
      assertFalse(c.stream().anyMatch(a -> a.contains("$") || a.contains("'")), c.toString());
    }
    assertEquals(
        List.of("lt-proc", "-z", "/usr/share/apertium/apertium-eng-spa/eng-spa.automorf.bin"),
        commands.get(0));
    List<String> generator = commands.get(commands.size() - 2);
    assertEquals(List.of("lt-proc", "-z", "-n"), generator.subList(0, 3), generator.toString());
  }

  @Test
  void modeFileQuoting() {
    assertEquals(
        List.of(
            List.of("a", "-z", "-n", "x y", "q\"q"),
            List.of("/p/b c", "-z", "-g"),
            List.of("d", "-z", "e\\f")),
        ApertiumLocalTranslator.ModeFile.commands(
            "a $1 'x y' \"q\\\"q\" |'/p/b c' -g $2|d 'e\\f'\n"));
    assertEquals(
        List.of(List.of("a", "-z", "b")), ApertiumLocalTranslator.ModeFile.commands("a -z b"));
    for (String bad :
        List.of("", "a | | b", "a > out", "a; b", "a $HOME", "a 'open", "a\nb", "a `x`", "| a")) {
      assertThrows(
          IllegalArgumentException.class,
          () -> ApertiumLocalTranslator.ModeFile.commands(bad),
          bad);
    }
  }

  // ---------------------------------------------------------------- helpers

  private static List<ProcessHandle> descendants() {
    try (var s = ProcessHandle.current().descendants()) {
      return s.filter(ProcessHandle::isAlive).toList();
    }
  }

  private static Set<Long> pids(List<ProcessHandle> handles) {
    return handles.stream().map(ProcessHandle::pid).collect(Collectors.toCollection(HashSet::new));
  }
}
