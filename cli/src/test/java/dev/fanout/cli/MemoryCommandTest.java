package dev.fanout.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.cli.TranslateCommandTest.Run;
import dev.fanout.translate.store.SqliteStateStore;
import dev.fanout.translate.store.StateStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fanout memory export} and {@code import} end to end: a real {@code fanout translate} run
 * (the pseudo backend) fills a store, its memory goes to a TMX file and into another store, and a
 * run on that store sends nothing.
 */
class MemoryCommandTest {
  @TempDir Path dir;

  private static Run cli(String... args) {
    return TranslateCommandTest.cli(args);
  }

  private Path docs() throws IOException {
    Path in = dir.resolve("in");
    Files.createDirectories(in);
    Files.writeString(
        in.resolve("a.md"),
        "# Install\n\nRun `make` first, then see [the guide](guide.md).\n",
        StandardCharsets.UTF_8);
    Files.writeString(
        in.resolve("b.md"), "Plain words.\n\nMore plain words.\n", StandardCharsets.UTF_8);
    return in;
  }

  /** {@code fanout translate IN --to es --backend pseudo} and more arguments. */
  private static Run translate(Path in, String... more) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of("translate", in.toString(), "--to", "es", "--backend", "pseudo"));
    args.addAll(List.of(more));
    return cli(args.toArray(String[]::new));
  }

  private static void assertOneLine(Run r, String contains) {
    assertEquals(1, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains(contains), r.err());
  }

  @Test
  void aMemoryExportedAndImportedElsewhereServesARunWithNoCall() throws IOException {
    Path in = docs();
    String out1 = dir.resolve("out1").toString();
    Run first = translate(in, "--out", out1);
    assertEquals(0, first.code(), first.err());

    Path tmx = dir.resolve("exports/team.tmx");
    Run export = cli("memory", "export", "--tmx", tmx.toString(), "--out", out1);
    assertEquals(0, export.code(), export.err());
    assertTrue(export.err().startsWith("exported 4 units to " + tmx + " (4 en>es)"), export.err());
    String xml = Files.readString(tmx);
    assertTrue(xml.startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tmx version=\"1.4\">"));
    assertTrue(xml.contains("<prop type=\"x-fanout-backend\">pseudo"), xml);
    try (Stream<Path> files = Files.list(tmx.getParent())) {
      assertEquals(List.of(tmx), files.toList(), "no temporary file left beside it");
    }
    if (tmx.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Path plain = Files.writeString(dir.resolve("exports/plain.txt"), "any file");
      assertEquals(
          Files.getPosixFilePermissions(plain),
          Files.getPosixFilePermissions(tmx),
          "the permissions of any new file (not a private temporary file's): a team shares it");
    }

    Path state = dir.resolve("team/memory.db");
    Run imported =
        cli("memory", "import", tmx.toString(), "--to", "es", "--state", state.toString());
    assertEquals(0, imported.code(), imported.err());
    assertTrue(
        imported
            .err()
            .startsWith(
                "imported "
                    + tmx
                    + " (en>es): 4 <tu> read, 4 new, 0 already in the memory, 0 skipped\n"),
        imported.err());
    Run again = cli("memory", "import", tmx.toString(), "--to", "spa", "--state", state.toString());
    assertTrue(again.err().contains("0 new, 4 already in the memory"), again.err());

    Run second =
        translate(in, "--out", dir.resolve("out2").toString(), "--state", state.toString());
    assertEquals(0, second.code(), second.err());
    assertTrue(second.err().contains("upstream: 0 calls"), second.err());
    for (String doc : List.of("a.md", "b.md")) {
      assertEquals(
          Files.readString(dir.resolve("out1").resolve(doc)),
          Files.readString(dir.resolve("out2").resolve(doc)));
    }
  }

  @Test
  void badCommandLinesAreOneLineWithStatusOne() throws IOException {
    Path tmx = dir.resolve("t.tmx");
    Files.writeString(tmx, "<tmx version=\"1.4\"><header/><body/></tmx>");
    assertOneLine(cli("memory"), "give a subcommand");
    assertOneLine(cli("memory", "import", tmx.toString(), "--out", "o"), "--to");
    assertOneLine(cli("memory", "import", "--to", "es", "--out", "o"), "FILE");
    assertOneLine(cli("memory", "export", "--out", "o"), "--tmx");
    assertOneLine(cli("memory", "export", "--tmx", "x.tmx", "--bogus"), "--bogus");
    assertOneLine(cli("memory", "import", tmx.toString(), "--to", "es"), "give --out DIR");
    assertOneLine(
        cli("memory", "import", tmx.toString(), "--to", "xx-yy", "--out", "o"), "language");
    assertOneLine(
        cli("memory", "import", tmx.toString(), "--to", "en", "--out", "o"), "same language");
    assertOneLine(
        cli("memory", "import", dir.resolve("none.tmx").toString(), "--to", "es", "--out", "o"),
        "no such file");
    assertOneLine(
        cli("memory", "export", "--tmx", "x.tmx", "--state", "postgresql://u@127.0.0.1:1/db"),
        "cannot connect to postgresql://u@127.0.0.1:1/db");
    Path nowhere = dir.resolve("nowhere");
    assertOneLine(
        cli("memory", "export", "--tmx", "x.tmx", "--out", nowhere.toString()),
        "no state store at");
    assertFalse(Files.exists(nowhere), "an export creates no store");
  }

  @Test
  void aMalformedFileSaysWhereAndImportsNothing() throws IOException {
    Path tmx = dir.resolve("broken.tmx");
    Files.writeString(
        tmx,
        "<tmx version=\"1.4\"><header/><body>\n"
            + "<tu><tuv xml:lang=\"en\"><seg>Hi.</seg></tuv>"
            + "<tuv xml:lang=\"es\"><seg>Hola.</seg></tuv></tu>\n"
            + "<tu><tuv xml:lang=\"en\"><seg>Oops</tuv></tu></body></tmx>\n");
    Path state = dir.resolve("state.db");
    Run r = cli("memory", "import", tmx.toString(), "--to", "es", "--state", state.toString());
    assertOneLine(r, tmx + ": line 3, column ");
    assertTrue(r.err().strip().endsWith("; nothing was imported"), r.err());
    try (StateStore s = SqliteStateStore.open(state)) {
      assertTrue(s.memoryIsEmpty());
    }
  }

  @Test
  void aStoreInUseByARunIsRefusedAndAnEarlierExportIsKept() throws IOException {
    Path state = dir.resolve("state.db");
    Path tmx = dir.resolve("team.tmx");
    Files.writeString(tmx, "an earlier export");
    try (StateStore held = SqliteStateStore.open(state)) {
      assertOneLine(
          cli("memory", "export", "--tmx", tmx.toString(), "--state", state.toString()),
          "another fanout run (translate or memory) is using");
      assertOneLine(
          cli("memory", "import", tmx.toString(), "--to", "es", "--state", state.toString()),
          "another fanout run (translate or memory) is using");
    }
    assertEquals("an earlier export", Files.readString(tmx));
    Run nothing = cli("memory", "export", "--tmx", tmx.toString(), "--state", state.toString());
    assertEquals(0, nothing.code(), nothing.err());
    assertEquals("exported 0 units to " + tmx + "\n", nothing.err());
  }
}
