package dev.fanout.translate.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TMX 1.4b both ways on real SQLite stores: the exported file's structure, the mapping of tokens
 * and inline elements, what an import skips and why, a malformed file, and XXE.
 */
class TmxTest {
  @TempDir Path dir;

  /** A unit as a run (or, with backend {@code human}, an import) remembers it. */
  private static StateStore.Memory unit(String source, String target, String to, String backend) {
    String scope = StateStore.Memory.scope("en", to, backend);
    return new StateStore.Memory(
        StateStore.Memory.key(scope, source), source, target, "en", to, backend);
  }

  private static void remember(StateStore store, StateStore.Memory... units) {
    long run = store.beginRun("test");
    List<StateStore.Change> changes = new ArrayList<>();
    for (StateStore.Memory u : units) {
      changes.add(new StateStore.Remember(u, run));
    }
    store.write(changes);
  }

  private static List<StateStore.Memory> all(StateStore store) {
    List<StateStore.Memory> out = new ArrayList<>();
    store.memory(out::add);
    return out;
  }

  private static String export(StateStore store, String to) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Tmx.write(store, out, "en", to, "1.2.3");
    return out.toString(StandardCharsets.UTF_8);
  }

  private Path file(String name, String xml) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, xml, StandardCharsets.UTF_8);
    return p;
  }

  private static Tmx.Imported importInto(StateStore store, Path file, String from, String to)
      throws IOException {
    long run = store.beginRun("import");
    return Tmx.read(store, file, from, to, run);
  }

  private static String human(StateStore store, String from, String to, String source) {
    return store
        .recall(StateStore.Memory.key(StateStore.Memory.humanScope(from, to), source))
        .orElse(null);
  }

  @Test
  void exportsEveryUnitAsATuInTmx14TokensAsPlaceholders() throws Exception {
    try (StateStore store = SqliteStateStore.open(dir.resolve("state.db"))) {
      remember(
          store,
          unit("Run ⟦1⟧ now.", "Ejecuta ⟦1⟧ ahora.", "es", "pseudo"),
          unit(
              "See ⟦1⟧the guide⟦2⟧.\nAnd <this> & \"that\".",
              "⟦1⟧La guía⟦2⟧.\nY <esto>.",
              "es",
              "x"),
          unit("Two lines\r\nwith a CR.", "Dos líneas\r\ncon CR.", "es", "x"),
          unit("Bell \u0007 rings.", "Suena.", "es", "x"),
          unit("Hello.", "Bonjour.", "fr", "x"),
          new StateStore.Memory(
              StateStore.Memory.key("s", "Hallo."), "Hallo.", "Hola.", "de", "es", "x"));
      String xml = export(store, null);
      Tmx14.assertStructure(xml, "en");
      assertTrue(
          xml.contains(
              "<tuv xml:lang=\"en\"><seg>Run <ph x=\"1\"/> now.</seg></tuv>\n"
                  + "      <tuv xml:lang=\"es\"><seg>Ejecuta <ph x=\"1\"/> ahora.</seg></tuv>"),
          xml);
      assertTrue(xml.contains("<prop type=\"x-fanout-backend\">pseudo</prop>"), xml);
      assertTrue(
          xml.contains("<seg><ph x=\"1\"/>La guía<ph x=\"2\"/>.\nY &lt;esto&gt;.</seg>"),
          "a line break");
      assertTrue(xml.contains("Two lines&#13;\nwith a CR."), xml);
      assertFalse(xml.contains("Bell"), "a character XML cannot hold leaves its unit out");
      assertFalse(xml.contains("Hallo"), "another source language is left out");

      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Tmx.Exported e = Tmx.write(store, out, "en", "es", "1.2.3");
      assertEquals(3, e.units());
      assertEquals(Map.of("en>es", 3L), e.pairs());
      assertEquals(
          Map.of(
              "a character XML 1.0 cannot hold", 1L,
              "translated from de", 1L,
              "translated into fr", 1L),
          e.leftOut());
      Tmx14.assertStructure(out.toString(StandardCharsets.UTF_8), "en");
    }
  }

  @Test
  void anExportImportsBackAsTheSameUnitsAndAgainChangesNothing() throws Exception {
    StateStore.Memory[] units = {
      unit("Run ⟦1⟧ now.", "Ejecuta ⟦1⟧ ahora.", "es", "pseudo"),
      unit("See ⟦1⟧the guide⟦2⟧ and ⟦3⟧.", "Ver ⟦3⟧ y ⟦1⟧la guía⟦2⟧.", "es", "pseudo"),
      unit("Two lines\r\nwith a CR & <b>.", "Dos líneas\r\ncon CR & <b>.", "es", "pseudo"),
      unit("Emoji 🚀 ok.", "Emoji 🚀 vale.", "es", "apertium@3.8"),
    };
    Path tmx = dir.resolve("memory.tmx");
    try (StateStore store = SqliteStateStore.open(dir.resolve("a/state.db"))) {
      remember(store, units);
      try (OutputStream out = Files.newOutputStream(tmx)) {
        Tmx.write(store, out, "en", null, "1.2.3");
      }
    }
    try (StateStore fresh = SqliteStateStore.open(dir.resolve("b/state.db"))) {
      Tmx.Imported first = importInto(fresh, tmx, "en", "es");
      assertEquals(4, first.units());
      assertEquals(4, first.added());
      assertEquals(0, first.known());
      assertEquals(0, first.skippedUnits(), first.toString());
      for (StateStore.Memory u : units) {
        assertEquals(u.target(), human(fresh, "en", "es", u.source()), u.source());
      }
      List<StateStore.Memory> stored = all(fresh);
      assertEquals(4, stored.size());
      for (StateStore.Memory m : stored) {
        assertEquals(StateStore.Memory.HUMAN, m.backend());
        assertEquals("en", m.sourceLang());
        assertEquals("es", m.targetLang());
      }

      Tmx.Imported again = importInto(fresh, tmx, "en", "es");
      assertEquals(0, again.added());
      assertEquals(4, again.known());
      assertEquals(0, again.differing());
      assertEquals(4, all(fresh).size());
      assertEquals(stored, all(fresh), "nothing changed");
    }
  }

  @Test
  void whereAUnitHasATranslationPeopleMadeOnlyTheirsIsExported() throws Exception {
    Path tmx = dir.resolve("memory.tmx");
    try (StateStore store = SqliteStateStore.open(dir.resolve("a/state.db"))) {
      remember(
          store, unit("Hello.", "HOLA.", "es", "recording"), unit("Bye.", "ADIÓS.", "es", "x"));
      remember(store, unit("Hello.", "Hola.", "es", StateStore.Memory.HUMAN));
      try (OutputStream out = Files.newOutputStream(tmx)) {
        Tmx.Exported e = Tmx.write(store, out, "en", null, "1.2.3");
        assertEquals(2, e.units());
        assertEquals(Map.of("a machine translation of a unit people translated", 1L), e.leftOut());
      }
    }
    assertFalse(Files.readString(tmx).contains("HOLA."));
    try (StateStore fresh = SqliteStateStore.open(dir.resolve("b/state.db"))) {
      importInto(fresh, tmx, "en", "es");
      assertEquals("Hola.", human(fresh, "en", "es", "Hello."));
      assertEquals("ADIÓS.", human(fresh, "en", "es", "Bye."));
    }
  }

  /** As a CAT tool writes it: regions, a DOCTYPE, paired codes, placeholders, notes, props. */
  private static final String CAT_TOOL =
      """
      <?xml version="1.0" encoding="UTF-8"?>
      <!DOCTYPE tmx SYSTEM "http://127.0.0.1:9/tmx14.dtd">
      <tmx version="1.4">
        <header creationtool="SomeCAT" creationtoolversion="9" datatype="html" segtype="sentence"
                adminlang="en-US" srclang="en-US" o-tmf="cat">
          <prop type="x-project">Docs</prop>
        </header>
        <body>
          <tu tuid="1" creationdate="20240101T120000Z">
            <note>checked</note>
            <prop type="x-client">acme</prop>
            <tuv xml:lang="en-US"><seg>Click <bpt i="3" x="4">&lt;b&gt;</bpt>Save<ept i="3">&lt;/b&gt;</ept> to keep <ph x="1">{0}</ph>.</seg></tuv>
            <tuv xml:lang="ES-es"><prop type="x-origin">tm</prop><seg>Pulse <bpt i="1" x="4">&lt;b&gt;</bpt>Guardar<ept i="1">&lt;/b&gt;</ept> para conservar <ph x="1">{0}</ph>.</seg></tuv>
          </tu>
          <tu>
            <tuv xml:lang="en-GB"><seg>Files <ph x="2">%s</ph> and <ph x="1">%d</ph>.</seg></tuv>
            <tuv xml:lang="es"><seg>Los <ph x="1">%d</ph> y <ph x="2">%s</ph> archivos.</seg></tuv>
          </tu>
          <tu>
            <tuv xml:lang="en"><seg>A <hi type="bold">highlighted</hi> word<it pos="begin">&lt;i&gt;</it>.</seg></tuv>
            <tuv xml:lang="es"><seg>Una palabra <hi>resaltada</hi><it pos="begin">&lt;i&gt;</it>.</seg></tuv>
          </tu>
          <tu>
            <tuv xml:lang="en"><seg>Only <ph>a</ph> then <ph>b</ph>.</seg></tuv>
            <tuv xml:lang="es"><seg>Solo <ph>a</ph> y <ph>b</ph>.</seg></tuv>
          </tu>
          <tu>
            <tuv lang="en"><seg><![CDATA[Old <style> & lang.]]></seg></tuv>
            <tuv lang="es"><seg>Viejo &lt;estilo&gt; &amp; lang.</seg></tuv>
          </tu>
          <tu>
            <tuv xml:lang="en"><seg>Extra code.</seg></tuv>
            <tuv xml:lang="es"><seg>Código <ph x="9">&lt;br/&gt;</ph> extra.</seg></tuv>
          </tu>
          <tu>
            <tuv xml:lang="en"><seg>Lost <ph x="1">{0}</ph>.</seg></tuv>
            <tuv xml:lang="es"><seg>Perdido.</seg></tuv>
          </tu>
          <tu>
            <tuv xml:lang="en"><seg>Only German.</seg></tuv>
            <tuv xml:lang="de"><seg>Nur Deutsch.</seg></tuv>
          </tu>
          <tu>
            <tuv xml:lang="en"><seg>Empty.</seg></tuv>
            <tuv xml:lang="es"><seg>  </seg></tuv>
          </tu>
          <tu>
            <tuv xml:lang="en"><seg>Click <bpt i="1">&lt;b&gt;</bpt>Save<ept i="1">&lt;/b&gt;</ept> to keep <ph x="1">{0}</ph>.</seg></tuv>
            <tuv xml:lang="es"><seg>Otra traducción <bpt i="1">&lt;b&gt;</bpt>Guardar<ept i="1">&lt;/b&gt;</ept> <ph x="1">{0}</ph>.</seg></tuv>
          </tu>
        </body>
      </tmx>
      """;

  @Test
  void aCatToolsFileImportsItsInlineCodesAsTokensInSourceOrder() throws Exception {
    Path tmx = file("cat.tmx", CAT_TOOL);
    try (StateStore store = SqliteStateStore.open(dir.resolve("state.db"))) {
      Tmx.Imported r = importInto(store, tmx, "en", "es");
      assertEquals(10, r.units());
      assertEquals(5, r.added(), r.toString());
      assertEquals(1, r.known(), "the same source again: the first translation is kept");
      assertEquals(1, r.differing());
      assertEquals(
          Map.of("inline elements differ", 2L, "no <tuv> in es", 1L, "an empty <seg>", 1L),
          r.skipped());
      assertEquals(4, r.skippedUnits());
      assertEquals(
          List.of(
              "line 31: the target has <ph x=\"9\">, the source not",
              "line 35: the source has <ph x=\"1\">, the target not",
              "line 39: no <tuv> in es",
              "line 43: an empty <seg>"),
          r.examples());
      assertEquals(List.of("de", "en", "en-gb", "en-us", "es", "es-es"), r.languages());

      assertEquals(
          "Pulse ⟦1⟧Guardar⟦2⟧ para conservar ⟦3⟧.",
          human(store, "en", "es", "Click ⟦1⟧Save⟦2⟧ to keep ⟦3⟧."),
          "bpt matched by x, ept through its bpt, although their i differ");
      assertEquals(
          "Los ⟦2⟧ y ⟦1⟧ archivos.",
          human(store, "en", "es", "Files ⟦1⟧ and ⟦2⟧."),
          "numbered in the source's order, the target's matched by x");
      assertEquals(
          "Una palabra resaltada⟦1⟧.",
          human(store, "en", "es", "A highlighted word⟦1⟧."),
          "<hi> is text, <it> a token");
      assertEquals(
          "Solo ⟦1⟧ y ⟦2⟧.", human(store, "en", "es", "Only ⟦1⟧ then ⟦2⟧."), "no x: by order");
      assertEquals(
          "Viejo <estilo> & lang.",
          human(store, "en", "es", "Old <style> & lang."),
          "CDATA, escapes and TMX 1.3's lang attribute");
      assertEquals(5, all(store).size());
    }
  }

  @Test
  void languagesMatchByPrimarySubtagInAnyCase() {
    assertTrue(Tmx.sameLanguage("en-US", "en"));
    assertTrue(Tmx.sameLanguage("EN", "en"));
    assertTrue(Tmx.sameLanguage(" es_MX ", "es"));
    assertFalse(Tmx.sameLanguage("eng", "en"));
    assertFalse(Tmx.sameLanguage("e", "en"));
    assertFalse(Tmx.sameLanguage(null, "en"));
  }

  @Test
  void aMalformedFileSaysWhereAndImportsNothing() throws Exception {
    StringBuilder b = new StringBuilder("<tmx version=\"1.4\"><header/><body>\n");
    for (int i = 0; i < 1000; i++) {
      b.append("<tu><tuv xml:lang=\"en\"><seg>Unit ")
          .append(i)
          .append(".</seg></tuv><tuv xml:lang=\"es\"><seg>Unidad ")
          .append(i)
          .append(".</seg></tuv></tu>\n");
    }
    b.append("<tu><tuv xml:lang=\"en\"><seg>Broken</sag></tuv></tu>\n</body></tmx>\n");
    Path tmx = file("broken.tmx", b.toString());
    try (StateStore store = SqliteStateStore.open(dir.resolve("state.db"))) {
      Tmx.MalformedException e =
          assertThrows(Tmx.MalformedException.class, () -> importInto(store, tmx, "en", "es"));
      assertEquals(1002, e.line());
      assertTrue(e.column() > 0);
      assertTrue(e.getMessage().startsWith("line 1002, column "), e.getMessage());
      assertTrue(e.getMessage().contains("\"seg\""), e.getMessage());
      assertTrue(store.memoryIsEmpty(), "the first thousand units are not imported either");

      Path html = file("page.tmx", "<html>\n  <body/></html>");
      Tmx.MalformedException notTmx =
          assertThrows(Tmx.MalformedException.class, () -> importInto(store, html, "en", "es"));
      assertEquals(
          "line 1, column 7: not a TMX file: the root element is <html>", notTmx.getMessage());
      Path empty = file("empty.tmx", "");
      assertThrows(Tmx.MalformedException.class, () -> importInto(store, empty, "en", "es"));
    }
  }

  @Test
  void externalEntitiesAreNeverResolved() throws Exception {
    Path secret = file("secret.txt", "TOP-SECRET");
    String xxe =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE tmx [<!ENTITY xxe SYSTEM \""
            + secret.toUri()
            + "\">]>\n<tmx version=\"1.4\"><header/><body><tu>"
            + "<tuv xml:lang=\"en\"><seg>Leak</seg></tuv>"
            + "<tuv xml:lang=\"es\"><seg>&xxe;</seg></tuv></tu></body></tmx>";
    String laughs =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE tmx [<!ENTITY a \"aaaaaaaaaa\">"
            + "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n"
            + "<tmx version=\"1.4\"><header/><body><tu>"
            + "<tuv xml:lang=\"en\"><seg>Laugh</seg></tuv>"
            + "<tuv xml:lang=\"es\"><seg>&b;</seg></tuv></tu></body></tmx>";
    try (StateStore store = SqliteStateStore.open(dir.resolve("state.db"))) {
      for (String xml : List.of(xxe, laughs)) {
        Tmx.MalformedException e =
            assertThrows(
                Tmx.MalformedException.class,
                () -> importInto(store, file("evil.tmx", xml), "en", "es"));
        assertTrue(e.getMessage().startsWith("line 3, column "), e.getMessage());
        assertTrue(e.getMessage().contains("not declared"), e.getMessage());
      }
      assertTrue(store.memoryIsEmpty());
      Map<String, String> seen = new HashMap<>();
      store.memory(m -> seen.put(m.source(), m.target()));
      assertFalse(seen.toString().contains("TOP-SECRET"));
    }
  }

  @Test
  void importsInBatchesAndCountsWhatWasThere() throws Exception {
    StringBuilder b = new StringBuilder("<tmx version=\"1.4\"><header/><body>\n");
    for (int i = 0; i < 1300; i++) {
      int n = i < 1200 ? i : i - 1200; // the last hundred repeat the first, in another batch
      b.append("<tu><tuv xml:lang=\"en\"><seg>Unit ")
          .append(n)
          .append(".</seg></tuv><tuv xml:lang=\"es\"><seg>Unidad ")
          .append(i < 1200 || n % 2 == 0 ? n : "otra " + n)
          .append(".</seg></tuv></tu>\n");
    }
    Path tmx = file("many.tmx", b.append("</body></tmx>").toString());
    try (StateStore store = SqliteStateStore.open(dir.resolve("state.db"))) {
      remember(store, unit("Unit 5.", "Unidad cinco.", "es", StateStore.Memory.HUMAN));
      Tmx.Imported r = importInto(store, tmx, "en", "es");
      assertEquals(1300, r.units());
      assertEquals(1199, r.added());
      assertEquals(101, r.known());
      assertEquals(51, r.differing(), "Unit 5 and the fifty odd repeats");
      assertEquals("Unidad cinco.", human(store, "en", "es", "Unit 5."), "the first is kept");
      assertEquals("Unidad 7.", human(store, "en", "es", "Unit 7."));
      assertEquals(1200, all(store).size());
      assertEquals(Optional.empty(), store.recall("nothing"));
    }
  }
}
