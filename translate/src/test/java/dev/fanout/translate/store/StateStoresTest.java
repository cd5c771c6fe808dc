package dev.fanout.translate.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code --state} accepts, and what it refuses with a message instead of a stray file. */
class StateStoresTest {
  @TempDir Path dir;

  @Test
  void theDefaultIsASqliteFileUnderTheOutputDirectory() {
    assertEquals(
        new StateStores.SqliteFile(dir.resolve(".fanout/state.db")), StateStores.parse(null, dir));
  }

  @Test
  void aPathIsASqliteFile() {
    assertEquals(
        new StateStores.SqliteFile(Path.of("state/x.db")), StateStores.parse("state/x.db", dir));
    assertEquals(
        new StateStores.SqliteFile(Path.of("/tmp/x.db")),
        StateStores.parse("file:///tmp/x.db", dir));
  }

  @Test
  void postgresUrlsAreRecognisedAndRefusedUntilSupportedWithoutCreatingAnything() {
    for (String url :
        new String[] {
          "postgresql://x/y", "postgres://u@h:5432/db", "jdbc:postgresql://h/db", "POSTGRESQL://x/y"
        }) {
      assertInstanceOf(StateStores.Postgres.class, StateStores.parse(url, dir), url);
    }
    // Nothing listens on port 1: a clear error at once, without the password, and no file made.
    StoreException e =
        assertThrows(
            StoreException.class,
            () -> StateStores.open("postgresql://u:hunter2@127.0.0.1:1/y", dir.resolve("out")));
    assertTrue(
        e.getMessage().contains("cannot connect to postgresql://u:***@127.0.0.1:1/y"),
        e.getMessage());
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("out")), "nothing was created");
    assertFalse(Files.exists(Path.of("postgresql:")), "no directory named after the scheme");
  }

  @Test
  void anyOtherSchemeIsAUsageErrorThatSaysWhatIsAccepted() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StateStores.parse("mysql://h/db", dir));
    assertTrue(e.getMessage().contains("unknown scheme 'mysql:'"), e.getMessage());
    assertTrue(e.getMessage().contains("postgresql://USER@HOST:PORT/DB"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> StateStores.parse("jdbc:mysql://h/db", dir));
    assertThrows(IllegalArgumentException.class, () -> StateStores.parse("redis://h", dir));
  }

  @Test
  void aPasswordInTheUrlNeverReachesTheMessage() {
    // a host that cannot be reached (no such name): the message, and every cause's, without it
    StoreException e =
        assertThrows(
            StoreException.class,
            () -> StateStores.open("postgresql://user:s3cret@h.invalid/db", dir));
    assertTrue(e.getMessage().contains("user:***@h.invalid/db"), e.getMessage());
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertFalse(String.valueOf(t.getMessage()).contains("s3cret"), t.toString());
    }
    IllegalArgumentException e2 =
        assertThrows(
            IllegalArgumentException.class,
            () -> StateStores.parse("mysql://h/db?user=u&password=s3cret", dir));
    assertFalse(e2.getMessage().contains("s3cret"), e2.getMessage());
  }

  @Test
  void openingTheDefaultCreatesTheStore() {
    try (StateStore s = StateStores.open(null, dir.resolve("out"))) {
      assertTrue(s.isEmpty());
    }
    assertTrue(Files.exists(dir.resolve("out/.fanout/state.db")));
  }
}
