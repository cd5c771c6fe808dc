package dev.fanout.lint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fixture corpus: each file under {@code fixtures/} marks the lines where a finding is due with
 * {@code // expect: <rule-id>}. Every other line is a true negative, so the test checks both ways:
 * each expected finding is reported, and nothing else is.
 */
class FixturesTest {
  private static final Path DIR = Path.of("src/test/resources/fixtures");
  private static final Pattern EXPECT = Pattern.compile("// expect: ([a-z-]+)");

  static Stream<Path> fixtures() throws IOException {
    try (Stream<Path> files = Files.list(DIR)) {
      return files.filter(f -> f.toString().endsWith(".java")).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void findsExactlyWhatIsMarked(Path fixture) throws IOException {
    String text = Files.readString(fixture, StandardCharsets.UTF_8);
    TreeSet<String> expected = new TreeSet<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      Matcher m = EXPECT.matcher(lines[i]);
      if (m.find()) {
        assertFalse(
            Rule.byId(m.group(1)) == null, "unknown rule in " + fixture + ": " + m.group(1));
        expected.add(key(i + 1, m.group(1)));
      }
    }
    List<Finding> findings = Linter.lintSource(fixture.getFileName().toString(), text);
    TreeSet<String> actual = new TreeSet<>();
    List<String> described = new ArrayList<>();
    for (Finding f : findings) {
      actual.add(key(f.line(), f.rule().id()));
      described.add(f.toText());
    }
    assertEquals(expected, actual, "findings:\n" + String.join("\n", described));
  }

  private static String key(int line, String rule) {
    return String.format("%04d %s", line, rule);
  }
}
