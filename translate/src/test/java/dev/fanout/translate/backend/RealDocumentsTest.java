package dev.fanout.translate.backend;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.translate.TranslationRequest;
import dev.fanout.translate.format.DocumentFormat;
import dev.fanout.translate.format.Extraction;
import dev.fanout.translate.format.Formats;
import dev.fanout.translate.format.MarkdownTrees;
import dev.fanout.translate.format.Unit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Real documents through the real Apertium engine (eng-spa), as a docs team would send them: this
 * repository's own README and docs, and Markdown from the machine's Debian package documentation,
 * which nobody here wrote. For every document: each unit's answer keeps its tokens (the format
 * layer's check), and the output has exactly the source's code blocks, inline code, link and image
 * targets, raw HTML, and block structure. Skips without Apertium, except in CI, which installs it.
 */
class RealDocumentsTest {

  /** Markdown that nobody here wrote, from Debian's packages; those present are used. */
  private static final List<String> DEBIAN =
      List.of(
          "/usr/share/doc/python3-yaml/README.md",
          "/usr/share/doc/systemd/TRANSLATORS.md",
          "/usr/share/doc/systemd/DISTRO_PORTING.md",
          "/usr/share/doc/zstd/TESTING.md",
          "/usr/share/doc/procps/bugs.md",
          "/usr/share/doc/libgtk-3-bin/README.md",
          "/usr/share/doc/libglib2.0-0/README.md",
          "/usr/share/doc/python3-pip/html/installation.md",
          "/usr/share/doc/python3-pip/html/topics/authentication.md",
          "/usr/share/doc/libjs-underscore/README.md",
          "/usr/share/doc/nodejs/api/path.md",
          "/usr/share/doc/nodejs/api/timers.md",
          "/usr/share/doc/nodejs/api/console.md",
          "/usr/share/doc/nodejs/api/tty.md",
          "/usr/share/doc/nodejs/api/intl.md",
          "/usr/share/doc/nodejs/api/debugger.md");

  @Test
  void markdownThroughApertiumKeepsCodeLinksHtmlAndStructure() throws Exception {
    RealEngines.require(
        ApertiumLocalTranslator.installed()
            && ApertiumLocalTranslator.supports(
                ApertiumLocalTranslator.DEFAULT_MODES_DIRECTORY, "en", "es"),
        "Apertium with its eng-spa pair is not installed: apt-get install apertium"
            + " apertium-eng-spa");
    List<Path> docs = new ArrayList<>();
    docs.add(Path.of("../README.md"));
    try (Stream<Path> s = Files.list(Path.of("../docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
    }
    int ours = docs.size();
    for (String d : DEBIAN) {
      if (Files.isRegularFile(Path.of(d))) {
        docs.add(Path.of(d));
      }
    }
    // .ci/run installs the packages that carry them; a developer's machine may have fewer
    assertTrue(
        docs.size() >= ours + (System.getenv("CI") != null ? 8 : 1),
        "too few Debian documents on this machine (.ci/run installs them): " + docs);
    Formats formats = new Formats();
    int units = 0;
    try (ApertiumLocalTranslator apertium = new ApertiumLocalTranslator()) {
      for (Path doc : docs) {
        String source = Files.readString(doc);
        Extraction x = formats.extract(DocumentFormat.MARKDOWN, source);
        List<String> answers = new ArrayList<>();
        for (Unit u : x.units()) {
          units++;
          String text = u.text();
          int a = 0;
          while (a < text.length() && Character.isWhitespace(text.charAt(a))) {
            a++;
          }
          int b = text.length();
          while (b > a && Character.isWhitespace(text.charAt(b - 1))) {
            b--;
          }
          String es =
              apertium.translate(
                  new TranslationRequest(
                      text.substring(a, b), "en", "es", TranslationRequest.Format.TEXT, null));
          answers.add(u.check(text.substring(0, a) + es + text.substring(b)));
        }
        String out = x.assemble(answers).text();
        List<String> want = MarkdownTrees.kept(source);
        List<String> got = MarkdownTrees.kept(out);
        int i = 0;
        while (i < Math.min(want.size(), got.size()) && want.get(i).equals(got.get(i))) {
          i++;
        }
        if (i < want.size() || i < got.size()) {
          throw new AssertionError(
              doc
                  + ": code, targets, HTML or structure changed at item "
                  + i
                  + ": expected "
                  + want.subList(i, Math.min(want.size(), i + 3))
                  + " but got "
                  + got.subList(i, Math.min(got.size(), i + 3)));
        }
        assertTrue(!out.equals(source), doc + " was not translated at all");
      }
    }
    int least = System.getenv("CI") != null ? 1000 : 200;
    assertTrue(units > least, "only " + units + " units: the documents are too small to tell");
  }
}
