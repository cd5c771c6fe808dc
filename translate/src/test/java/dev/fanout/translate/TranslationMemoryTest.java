package dev.fanout.translate;

import static dev.fanout.translate.TranslateJobTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job with the format layer and the translation memory, on real files and a real SQLite store:
 * code never sent, a unit never paid for twice (across runs, across documents, after a failure),
 * and the memory keyed on what decides a translation.
 */
class TranslationMemoryTest {
  @TempDir Path dir;

  private Path write(String rel, String text) throws IOException {
    Path p = dir.resolve("in").resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text, StandardCharsets.UTF_8);
    return p;
  }

  private JobOptions options() {
    return JobOptions.builder(List.of(dir.resolve("in")), dir.resolve("out"), "es")
        .workers(4)
        .retries(0)
        .initialBackoff(Duration.ofMillis(1))
        .build();
  }

  private String out(String rel) throws IOException {
    return Files.readString(dir.resolve("out").resolve(rel));
  }

  private static String guide(int paragraphs, int edited) {
    StringBuilder sb = new StringBuilder("# A guide\n\n");
    for (int i = 0; i < paragraphs; i++) {
      sb.append(i == edited ? "Paragraph " + i + " says something new." : "Paragraph " + i + ".");
      sb.append("\n\n");
    }
    return sb.append("```sh\ngit clone https://example.org/repo\n```\n").toString();
  }

  @Test
  void editingOneParagraphOfAHundredSendsThatParagraphOnly() throws IOException {
    write("guide.md", guide(100, -1));
    TranslateJobTest.Recording first = new TranslateJobTest.Recording();
    TranslateJob.Result r1 = run(options(), first);
    assertEquals(
        101, first.requests.size(), "the heading and 100 paragraphs; the code is not sent");
    assertFalse(first.texts().stream().anyMatch(t -> t.contains("git clone")), "code never sent");
    assertTrue(out("guide.md").contains("```sh\ngit clone https://example.org/repo\n```\n"));
    assertEquals(0, r1.memoryChars());

    write("guide.md", guide(100, 42));
    TranslateJobTest.Recording second = new TranslateJobTest.Recording();
    TranslateJob.Result r2 = run(options(), second);
    assertEquals(List.of("Paragraph 42 says something new."), second.texts());
    assertEquals(1, r2.translated());
    assertTrue(r2.memoryChars() > 1000, "the other 100 units came from the memory");
    String output = out("guide.md");
    assertTrue(output.contains("PARAGRAPH 42 SAYS SOMETHING NEW.\n\nPARAGRAPH 43."), output);
    assertTrue(output.startsWith("# A GUIDE\n\nPARAGRAPH 0.\n\n"), output);
  }

  @Test
  void aParagraphSharedByManyDocumentsIsSentOnce() throws IOException {
    for (int i = 0; i < 20; i++) {
      write("doc" + i + ".md", "Shared boilerplate paragraph.\n\nOwn paragraph " + i + ".\n");
    }
    TranslateJobTest.Recording t = new TranslateJobTest.Recording();
    // The first request for the shared paragraph is held until a second one arrives (or half a
    // second passes): the other workers meet the paragraph meanwhile, and must wait for it.
    java.util.concurrent.CountDownLatch second = new java.util.concurrent.CountDownLatch(2);
    t.rule =
        q -> {
          if (q.text().startsWith("Shared")) {
            second.countDown();
            awaitQuietly(second, 500);
          }
          return null;
        };
    TranslateJob.Result r = run(options(), t);
    assertEquals(20, r.translated());
    assertEquals(
        1,
        t.texts().stream().filter(x -> x.equals("Shared boilerplate paragraph.")).count(),
        "sent once, even with four workers on twenty documents at once: " + t.texts());
    assertEquals(21, t.requests.size());
    for (int i = 0; i < 20; i++) {
      assertEquals(
          "SHARED BOILERPLATE PARAGRAPH.\n\nOWN PARAGRAPH " + i + ".\n", out("doc" + i + ".md"));
    }
  }

  private static void awaitQuietly(java.util.concurrent.CountDownLatch latch, long millis) {
    try {
      latch.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void whenTheWorkerSendingASharedUnitFailsOneWaitingWorkerSendsItInstead() throws IOException {
    for (int i = 0; i < 8; i++) {
      write("doc" + i + ".md", "Shared boilerplate paragraph.\n\nOwn paragraph " + i + ".\n");
    }
    TranslateJobTest.Recording t = new TranslateJobTest.Recording();
    java.util.concurrent.atomic.AtomicInteger shared =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.CountDownLatch another = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean refused =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicBoolean secondAfterRefusal =
        new java.util.concurrent.atomic.AtomicBoolean();
    t.rule =
        q -> {
          if (!q.text().startsWith("Shared")) {
            return null;
          }
          if (shared.incrementAndGet() == 1) {
            awaitQuietly(another, 300); // the others meet the paragraph meanwhile: they wait
            refused.set(true);
            return TranslationException.permanent("bad_request", 400, "refused once", null);
          }
          secondAfterRefusal.set(refused.get());
          another.countDown();
          return null;
        };
    TranslateJob.Result r = run(options(), t);
    assertEquals(1, r.failed(), "the document whose request was refused");
    assertEquals(7, r.translated());
    assertEquals(2, shared.get(), "refused once, then sent once by one of the waiting workers");
    assertTrue(secondAfterRefusal.get(), "nobody sent it while the first worker had it");
  }

  @Test
  void unitsADocumentPaidForAreKeptWhenItFails() throws IOException {
    write("a.md", "First part.\n\nSecond part.\n\nThird part fails.\n");
    TranslateJobTest.Recording failing = new TranslateJobTest.Recording();
    failing.rule =
        q ->
            q.text().contains("fails")
                ? TranslationException.permanent("bad_request", 400, "refused", null)
                : null;
    TranslateJob.Result r1 = run(options(), failing);
    assertEquals(1, r1.failed());
    assertEquals(3, failing.requests.size());

    TranslateJobTest.Recording retry = new TranslateJobTest.Recording();
    TranslateJob.Result r2 = run(options(), retry);
    assertEquals(
        List.of("Third part fails."), retry.texts(), "the two parts paid for are not sent");
    assertEquals(1, r2.translated());
    assertEquals("FIRST PART.\n\nSECOND PART.\n\nTHIRD PART FAILS.\n", out("a.md"));
  }

  @Test
  void anotherBackendOrLanguageDoesNotReuseTheMemory() throws IOException {
    write("a.md", "Hello there.\n");
    run(options(), new TranslateJobTest.Recording());
    Files.delete(dir.resolve("out/a.md")); // make the job do the document again
    TranslateJobTest.Recording other =
        new TranslateJobTest.Recording() {
          @Override
          public String name() {
            return "another";
          }
        };
    run(options(), other);
    assertEquals(List.of("Hello there."), other.texts(), "another backend translates it afresh");
    TranslateJobTest.Recording newer =
        new TranslateJobTest.Recording() {
          @Override
          public String version(String from, String to) {
            return "2";
          }
        };
    TranslateJob.Result again = run(options(), newer);
    assertEquals(1, again.translated(), "a new version is a new setting: the document is redone");
    assertEquals(List.of("Hello there."), newer.texts(), "...and its units translated afresh");
    JobOptions french =
        JobOptions.builder(List.of(dir.resolve("in")), dir.resolve("out-fr"), "fr").build();
    TranslateJobTest.Recording fr = new TranslateJobTest.Recording();
    try (var store =
        dev.fanout.translate.store.StateStores.open(
            dir.resolve("out/.fanout/state.db").toString(), dir.resolve("out-fr"))) {
      new TranslateJob(french, fr, store).run(null, Duration.ofSeconds(1));
    }
    assertEquals(List.of("Hello there."), fr.texts(), "another language is another unit");
  }

  @Test
  void aUnitWhoseTokenTheEngineLostIsSentAgainInPiecesWithAWarning() throws IOException {
    write("good.md", "Run `make` now.\n");
    write("bad.md", "Then run `make install` and read **the notes**.\n");
    TranslateJobTest.Recording t = new TranslateJobTest.Recording();
    t.answer =
        s ->
            s.startsWith("Then") && s.contains("⟦1⟧")
                ? s.replace("⟦1⟧", "make instalar")
                : s.toUpperCase(java.util.Locale.ROOT);
    TranslateJob.Result r = run(options(), t);
    assertEquals(2, r.translated());
    assertEquals(0, r.failed());
    assertEquals("RUN `make` NOW.\n", out("good.md"));
    // the tokens stand where they stood; the words between them were translated one by one
    assertEquals("THEN RUN `make install` AND READ **THE NOTES**.\n", out("bad.md"));
    assertEquals(
        List.of(
            "Run ⟦1⟧ now.",
            "Then run",
            "Then run ⟦1⟧ and read ⟦2⟧ the notes ⟦3⟧.",
            "and read",
            "the notes"),
        t.texts().stream().sorted().toList(),
        "the whole unit once, then each of its pieces with a letter once");
    assertEquals(1, r.warnings().size(), r.warnings().toString());
    assertTrue(r.warnings().get(0).contains("bad.md"), r.warnings().toString());
    assertTrue(r.warnings().get(0).contains("line 1"), r.warnings().toString());
    assertTrue(r.warnings().get(0).contains("token_lost"), r.warnings().toString());
  }
}
