package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Rule 6: virtual threads pin their carrier inside {@code synchronized} on Java 21, so core's main
 * sources use none. On JDK 24+ synchronized no longer pins (JEP 491), so a runtime check on the JDK
 * 25 used here could not catch it: the sources are scanned instead.
 */
class NoPinningTest {
  private static final Pattern SYNCHRONIZED = Pattern.compile("\\bsynchronized\\b");

  static String withoutCommentsAndStrings(String java) {
    // Blank out comments and string/char literals so that prose mentioning the word is ignored.
    StringBuilder out = new StringBuilder(java.length());
    int i = 0;
    while (i < java.length()) {
      char c = java.charAt(i);
      if (java.startsWith("//", i)) {
        while (i < java.length() && java.charAt(i) != '\n') {
          i++;
        }
      } else if (java.startsWith("/*", i)) {
        int end = java.indexOf("*/", i + 2);
        i = end < 0 ? java.length() : end + 2;
        out.append(' ');
      } else if (java.startsWith("\"\"\"", i)) {
        int end = java.indexOf("\"\"\"", i + 3);
        i = end < 0 ? java.length() : end + 3;
        out.append("\"\"");
      } else if (c == '"' || c == '\'') {
        int j = i + 1;
        while (j < java.length() && java.charAt(j) != c) {
          j += java.charAt(j) == '\\' ? 2 : 1;
        }
        i = j + 1;
        out.append("\"\"");
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  @Test
  void theScannerSeesCodeAndIgnoresProse() {
    assertTrue(SYNCHRONIZED.matcher(withoutCommentsAndStrings("synchronized (x) {}")).find());
    assertTrue(
        SYNCHRONIZED.matcher(withoutCommentsAndStrings("public synchronized void f()")).find());
    assertEquals(
        false,
        SYNCHRONIZED
            .matcher(
                withoutCommentsAndStrings("// synchronized\n/* synchronized */ \"synchronized\""))
            .find());
  }

  @Test
  void coreHasNoSynchronized() throws IOException {
    Path main = Path.of("src/main/java");
    assertTrue(Files.isDirectory(main), "run from the core module: " + main.toAbsolutePath());
    List<String> hits = new ArrayList<>();
    int files = 0;
    try (Stream<Path> paths = Files.walk(main)) {
      for (Path p : paths.filter(f -> f.toString().endsWith(".java")).toList()) {
        files++;
        String code = withoutCommentsAndStrings(Files.readString(p));
        if (SYNCHRONIZED.matcher(code).find()) {
          hits.add(p.toString());
        }
      }
    }
    assertTrue(files >= 5, "found only " + files + " source files");
    assertEquals(List.of(), hits, "synchronized pins virtual threads on Java 21");
  }
}
