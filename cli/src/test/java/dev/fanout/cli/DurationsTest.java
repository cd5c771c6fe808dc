package dev.fanout.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class DurationsTest {
  @Test
  void takesMillisecondsSecondsMinutesHoursAndIso() {
    assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
    assertEquals(Duration.ofSeconds(60), Durations.parse(" 60S "));
    assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
    assertEquals(Duration.ofHours(1), Durations.parse("1h"));
    assertEquals(Duration.ofMillis(1500), Durations.parse("PT1.5S"));
    assertEquals(Duration.ofMillis(1500), Durations.parse("pt1.5s"));
    assertEquals(Duration.ofMinutes(90), Durations.parse("PT1H30M"));
    assertEquals(Duration.ofDays(1), Durations.parse("P1D"));
  }

  @Test
  void anythingElseSaysWhichFormsItTakes() {
    for (String bad : List.of("", "2", "2x", "1.5s", "ms", "PT", "P1X")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), bad);
      assertEquals("not a duration: '" + bad + "' (use 500ms, 60s, 5m, 1h)", e.getMessage());
    }
    TypeConversionException e =
        assertThrows(TypeConversionException.class, () -> new Durations().convert("2x"));
    assertTrue(e.getMessage().contains("not a duration: '2x'"), e.getMessage());
  }
}
