package dev.fanout.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.translate.format.DocumentFormat;
import dev.fanout.translate.format.Formats;
import dev.fanout.translate.format.Unit;
import dev.fanout.translate.store.StateStore;
import dev.fanout.translate.store.StateStores;
import dev.fanout.translate.store.Tmx;
import dev.fanout.translate.store.Tmx14;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory a real run fills, exported to TMX and imported into a fresh store, translates the same
 * documents with no call; a TMX file written as a CAT tool writes one is used the same way.
 */
class TmxRoundTripTest {
  @TempDir Path dir;

  private static final Map<String, String> DOCS =
      Map.of(
          "install.md",
          "# Install\n\nRun `make install` first, then see [the guide](guide.md).\n",
          "guide/usage.md",
          "Use `--to es` with **bold** words.\nA second line of the same paragraph.\n\n"
              + "- one item with `code`\n- [another](#install) item\n",
          "notes.txt",
          "Plain text notes.\n\nTwo paragraphs of them.\n");

  private void write(String rel, String text) throws IOException {
    Path p = dir.resolve("in").resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text, StandardCharsets.UTF_8);
  }

  private JobOptions options(String out) {
    return JobOptions.builder(List.of(dir.resolve("in")), dir.resolve(out), "es")
        .workers(2)
        .retries(0)
        .initialBackoff(Duration.ofMillis(1))
        .build();
  }

  /** A translator that must not be called: it fails every request. */
  private static TranslateJobTest.Recording refusing() {
    TranslateJobTest.Recording t =
        new TranslateJobTest.Recording() {
          @Override
          public String name() {
            return "refusing";
          }
        };
    t.rule = q -> TranslationException.permanent("bad_request", 400, "no calls expected", null);
    return t;
  }

  private static TranslateJob.Result run(JobOptions o, Translator t, Path state)
      throws IOException {
    try (StateStore store = StateStores.open(state.toString(), o.out())) {
      return new TranslateJob(o, t, store).run(null, Duration.ofSeconds(1));
    }
  }

  private static Tmx.Imported importInto(Path state, Path tmx) throws IOException {
    try (StateStore store = StateStores.open(state.toString(), null)) {
      return Tmx.read(store, tmx, "en", "es", store.beginRun("import"));
    }
  }

  @Test
  void aRunsMemoryExportedAndImportedIntoAFreshStoreTranslatesWithNoCall() throws Exception {
    for (Map.Entry<String, String> d : DOCS.entrySet()) {
      write(d.getKey(), d.getValue());
    }
    TranslateJobTest.Recording machine = new TranslateJobTest.Recording();
    Path first = dir.resolve("first/state.db");
    TranslateJob.Result r1 = run(options("out1"), machine, first);
    assertEquals(3, r1.translated());
    assertTrue(
        machine.texts().contains("Run ⟦1⟧ first, then see ⟦2⟧ the guide ⟦3⟧."),
        machine.texts().toString());

    Path tmx = dir.resolve("memory.tmx");
    try (StateStore store = StateStores.open(first.toString(), null);
        OutputStream out = Files.newOutputStream(tmx)) {
      Tmx.Exported e = Tmx.write(store, out, "en", null, "test");
      assertEquals(machine.requests.size(), e.units(), "one <tu> per unit sent");
    }
    String xml = Files.readString(tmx);
    Tmx14.assertStructure(xml, "en");
    assertTrue(xml.contains("<seg>Run <ph x=\"1\"/> first, then see <ph x=\"2\"/> the guide"), xml);
    assertTrue(xml.contains("<prop type=\"x-fanout-backend\">recording</prop>"), xml);

    Path fresh = dir.resolve("fresh/state.db");
    Tmx.Imported imported = importInto(fresh, tmx);
    assertEquals(machine.requests.size(), imported.added());
    assertEquals(0, imported.skippedUnits());

    TranslateJobTest.Recording refusing = refusing();
    TranslateJob.Result r2 = run(options("out2"), refusing, fresh);
    assertEquals(List.of(), refusing.texts(), "no call: every unit from the imported memory");
    assertEquals(3, r2.translated());
    assertEquals(0, r2.failed());
    for (String doc : DOCS.keySet()) {
      assertEquals(
          Files.readString(dir.resolve("out1").resolve(doc)),
          Files.readString(dir.resolve("out2").resolve(doc)),
          doc);
    }
  }

  @Test
  void aTmxFromACatToolTranslatesTheDocumentWhoseUnitsItHolds() throws Exception {
    String doc = "Click **Save** to keep `{0}`.\n\nThen close <kbd>Esc</kbd> the dialog.\n";
    write("dialog.md", doc);
    List<String> units =
        new Formats()
            .extract(DocumentFormat.MARKDOWN, doc).units().stream().map(Unit::text).toList();
    assertEquals(
        List.of("Click ⟦1⟧ Save ⟦2⟧ to keep ⟦3⟧.", "Then close ⟦1⟧ Esc ⟦2⟧ the dialog."),
        units,
        "sent with spaces beside glued tokens; the CAT tool's file has none, and still matches");
    Path tmx = dir.resolve("cat.tmx");
    Files.writeString(
        tmx,
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE tmx SYSTEM "tmx14.dtd">
        <tmx version="1.4">
          <header creationtool="SomeCAT" creationtoolversion="9" datatype="html"
                  segtype="sentence" adminlang="en-US" srclang="en-US" o-tmf="cat"/>
          <body>
            <tu>
              <tuv xml:lang="en-US"><seg>Click <bpt i="1">&lt;b&gt;</bpt>Save<ept i="1">&lt;/b&gt;</ept> to keep <ph x="1">{0}</ph>.</seg></tuv>
              <tuv xml:lang="es-ES"><seg>Pulse <bpt i="1">&lt;b&gt;</bpt>Guardar<ept i="1">&lt;/b&gt;</ept> para conservar <ph x="1">{0}</ph>.</seg></tuv>
            </tu>
            <tu>
              <tuv xml:lang="en-US"><seg>Then close <bpt i="1">&lt;kbd&gt;</bpt>Esc<ept i="1">&lt;/kbd&gt;</ept> the dialog.</seg></tuv>
              <tuv xml:lang="es-ES"><seg>Luego cierre el diálogo con <bpt i="1">&lt;kbd&gt;</bpt>Esc<ept i="1">&lt;/kbd&gt;</ept>.</seg></tuv>
            </tu>
          </body>
        </tmx>
        """,
        StandardCharsets.UTF_8);
    Path state = dir.resolve("team/state.db");
    assertEquals(2, importInto(state, tmx).added());

    TranslateJobTest.Recording refusing = refusing();
    TranslateJob.Result r = run(options("out"), refusing, state);
    assertEquals(List.of(), refusing.texts());
    assertEquals(1, r.translated());
    assertEquals(
        "Pulse **Guardar** para conservar `{0}`.\n\n"
            + "Luego cierre el diálogo con <kbd>Esc</kbd>.\n",
        Files.readString(dir.resolve("out/dialog.md")));
  }
}
