package dev.fanout.translate;

import static dev.fanout.translate.TranslateJobTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.translate.store.StateStore;
import dev.fanout.translate.store.StateStores;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The glossary (do-not-translate terms never sent, forced terms checked) and the dry run. */
class GlossaryAndDryRunTest {
  @TempDir Path dir;

  private Path write(String rel, String text) throws IOException {
    Path p = dir.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text, StandardCharsets.UTF_8);
    return p;
  }

  private JobOptions.Builder options() {
    return JobOptions.builder(List.of(dir.resolve("in")), dir.resolve("out"), "es")
        .workers(2)
        .retries(0)
        .initialBackoff(Duration.ofMillis(1));
  }

  @Test
  void aGlossaryFileReadsWithItsHeaderQuotesAndTenants() throws IOException {
    Glossary g =
        Glossary.read(
            write(
                "g.csv",
                "source,target,tenant\n"
                    + "fanout,,\n"
                    + "\"pull request\",\"solicitud de cambios\"\n"
                    + "Globex,,globex\n\n"));
    assertEquals(
        List.of(
            new Glossary.Entry("fanout", "", ""),
            new Glossary.Entry("pull request", "solicitud de cambios", ""),
            new Glossary.Entry("Globex", "", "globex")),
        g.entries());
    assertEquals(List.of("fanout"), g.doNotTranslate("acme"));
    assertEquals(List.of("fanout", "Globex"), g.doNotTranslate("globex"));
    IllegalArgumentException bad =
        assertThrows(
            IllegalArgumentException.class,
            () -> Glossary.read(write("bad.csv", "fanout,\n,orphan target\n")));
    assertTrue(bad.getMessage().contains("line 2"), bad.getMessage());
  }

  @Test
  void doNotTranslateTermsAreNeverSentAndComeBackAsTheyWere() throws IOException {
    write("in/a.md", "Install fanout with Globex tools.\n");
    Glossary g =
        Glossary.of(
            List.of(new Glossary.Entry("fanout", "", ""), new Glossary.Entry("Globex", "", "")));
    TranslateJobTest.Recording t = new TranslateJobTest.Recording();
    run(options().glossary(g).build(), t);
    assertEquals(List.of("Install ⟦1⟧ with ⟦2⟧ tools."), t.texts());
    assertEquals("INSTALL fanout WITH Globex TOOLS.\n", Files.readString(dir.resolve("out/a.md")));
  }

  @Test
  void aForcedTermMissingFromTheTranslationIsAWarningNotAFailure() throws IOException {
    write("in/a.md", "Open a pull request.\n\nMerge the pull request.\n");
    Glossary g = Glossary.of(List.of(new Glossary.Entry("pull request", "solicitud", "")));
    TranslateJobTest.Recording t = new TranslateJobTest.Recording();
    t.answer = s -> s.startsWith("Open") ? "Abra una solicitud." : "Fusione el pull request.";
    TranslateJob.Result r = run(options().glossary(g).build(), t);
    assertEquals(1, r.translated());
    assertEquals(0, r.failed());
    assertEquals(1, r.warnings().size(), r.warnings().toString());
    assertTrue(r.warnings().get(0).contains("line 3"), r.warnings().get(0));
    assertTrue(r.warnings().get(0).contains("\"pull request\" should be \"solicitud\""));
  }

  @Test
  void aDryRunCountsWhatARunWouldSendAndWritesNothing() throws IOException {
    write("in/a.md", "Shared paragraph.\n\nFirst own paragraph.\n\n```\ncode\n```\n");
    write("in/b.md", "Shared paragraph.\n\nSecond own paragraph, longer.\n");
    write("in/c.jsonl", "{\"id\":\"1\",\"text\":\"Hello\",\"tenant\":\"acme\"}\n{bad json\n");
    JobOptions o = options().ratePerTenant(2).build();
    TranslateJobTest.Recording never = new TranslateJobTest.Recording();
    never.rule =
        q -> {
          throw new AssertionError("a dry run sends nothing");
        };
    TranslateJob.Estimate e;
    try (StateStore store = StateStores.openIfExists(null, o.out())) {
      e = new TranslateJob(o, never, store).estimate(20.0);
    }
    assertFalse(Files.exists(dir.resolve("out")), "nothing written, not even the store");
    TranslateJob.TenantEstimate all = e.total();
    assertEquals(3, all.documents());
    assertEquals(1, all.problems(), "the bad JSON line");
    assertEquals(4, all.units(), "shared once, two own paragraphs, Hello; the code is not a unit");
    assertEquals(
        "Shared paragraph.".length()
            + "First own paragraph.".length()
            + "Second own paragraph, longer.".length()
            + "Hello".length(),
        all.chars());
    assertEquals("Shared paragraph.".length(), all.memoryChars(), "the second one is served");
    assertEquals(all.chars() * 20.0 / 1e6, all.cost(), 1e-12);
    assertEquals(1, e.tenants().get("acme").documents());
    assertEquals(1.5, e.tenants().get("default").seconds(), 1e-9, "3 requests at 2 a second");
    assertEquals(1.5, all.seconds(), 1e-9, "tenants run side by side: the slowest");

    // A real run sends what the dry run counted.
    TranslateJob.Result r = run(o, new TranslateJobTest.Recording());
    assertEquals(all.calls(), r.calls(), "requests: estimated as sent");
    assertEquals(all.chars(), r.chars(), "characters: estimated as sent");
    assertEquals(all.memoryChars(), r.memoryChars(), "served from memory: estimated as served");

    // After a real run, the same dry run sends nothing; one edited paragraph is all it sends.
    write("in/b.md", "Shared paragraph.\n\nSecond own paragraph, edited.\n");
    try (StateStore store = StateStores.openIfExists(null, o.out())) {
      e = new TranslateJob(o, never, store).estimate(0);
    }
    assertEquals(1, e.total().documents());
    assertEquals(2, e.total().skipped());
    assertEquals(1, e.total().units());
    assertEquals("Second own paragraph, edited.".length(), e.total().chars());
  }

  @Test
  void aNewDoNotTranslateTermReachesDocumentsAlreadyDone() throws IOException {
    write("in/a.md", "Install fanout now.\n\nAnother paragraph.\n");
    TranslateJobTest.Recording first = new TranslateJobTest.Recording();
    run(options().build(), first);
    assertEquals(
        "INSTALL FANOUT NOW.\n\nANOTHER PARAGRAPH.\n", Files.readString(dir.resolve("out/a.md")));

    TranslateJobTest.Recording second = new TranslateJobTest.Recording();
    Glossary g = Glossary.of(List.of(new Glossary.Entry("fanout", "", "")));
    TranslateJob.Result r = run(options().glossary(g).build(), second);
    assertEquals(1, r.translated(), "the settings changed: the document is done again");
    assertEquals(
        List.of("Install ⟦1⟧ now."), second.texts(), "the unit without the term from memory");
    assertEquals(
        "INSTALL fanout NOW.\n\nANOTHER PARAGRAPH.\n", Files.readString(dir.resolve("out/a.md")));

    TranslateJobTest.Recording third = new TranslateJobTest.Recording();
    assertEquals(1, run(options().glossary(g).build(), third).skipped(), "the same settings again");
    assertEquals(List.of(), third.texts());
  }
}
