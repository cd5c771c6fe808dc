package dev.fanout.translate.store;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Opens the state store that {@code --state} names: a file path (a SQLite store, the default {@code
 * OUT/.fanout/state.db}), or a PostgreSQL URL. Anything else is refused with a message that says
 * what is accepted, rather than becoming a file in a directory named after the URL's scheme.
 */
public final class StateStores {
  private StateStores() {}

  /** Where a run keeps its state. */
  public sealed interface Location permits SqliteFile, Postgres {}

  /**
   * A SQLite file on this machine.
   *
   * @param file the database file (its directory is created when missing)
   */
  public record SqliteFile(Path file) implements Location {}

  /**
   * A PostgreSQL database, shared by workers on many machines (docs/adr/0015).
   *
   * @param url the URL as given, never logged with a password
   */
  public record Postgres(String url) implements Location {}

  /** {@code scheme:} at the start of a value: a URL, unless it is a Windows drive letter. */
  private static final Pattern SCHEME =
      Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):.*", Pattern.DOTALL);

  /**
   * Reads a {@code --state} value.
   *
   * @param value the value given, or null for the default
   * @param out the output directory (the default store is {@code out/.fanout/state.db})
   * @return where the state lives
   * @throws IllegalArgumentException for a URL of an unknown scheme, or a path that is not one
   */
  public static Location parse(String value, Path out) {
    if (value == null || value.isBlank()) {
      return new SqliteFile(out.resolve(".fanout").resolve("state.db"));
    }
    var m = SCHEME.matcher(value);
    if (m.matches() && m.group(1).length() > 1) {
      String scheme = m.group(1).toLowerCase(Locale.ROOT);
      return switch (scheme) {
        case "postgresql", "postgres" -> new Postgres(value);
        case "jdbc" ->
            value.regionMatches(true, 0, "jdbc:postgresql:", 0, "jdbc:postgresql:".length())
                ? new Postgres(value)
                : refuse(value, scheme);
        case "file" -> {
          try {
            yield new SqliteFile(Path.of(java.net.URI.create(value)));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                "--state " + value + ": not a file URL (" + e.getMessage() + ")");
          }
        }
        default -> refuse(value, scheme);
      };
    }
    try {
      return new SqliteFile(Path.of(value));
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("--state " + value + ": not a path: " + e.getMessage());
    }
  }

  private static Location refuse(String value, String scheme) {
    throw new IllegalArgumentException(
        "--state "
            + redact(value)
            + ": unknown scheme '"
            + scheme
            + ":'; give a file path for a SQLite store (the default is OUT/.fanout/state.db),"
            + " or postgresql://USER@HOST:PORT/DB for a PostgreSQL one");
  }

  /**
   * Opens the store at {@code value} (see {@link #parse(String, Path)}).
   *
   * @throws IllegalArgumentException when {@code value} names no store this build can open (a usage
   *     error: the message says what is accepted)
   * @throws StoreException when the store cannot be opened (another run holds it, the file is not a
   *     state store)
   */
  public static StateStore open(String value, Path out) {
    return switch (parse(value, out)) {
      case SqliteFile f -> SqliteStateStore.open(f.file());
      case Postgres p -> PostgresStateStore.open(p.url());
    };
  }

  /**
   * Opens the store at {@code value} for a dry run: as {@link #open} when it exists; when it does
   * not, an empty store that remembers nothing and refuses writes, so that a dry run creates no
   * file.
   *
   * @throws IllegalArgumentException as {@link #open}
   * @throws StoreException as {@link #open}
   */
  public static StateStore openIfExists(String value, Path out) {
    if (parse(value, out) instanceof SqliteFile f && !java.nio.file.Files.exists(f.file())) {
      return new Empty();
    }
    return open(value, out);
  }

  /**
   * Opens an existing store, for a command that reads one (a memory export): like {@link #open},
   * but a SQLite file that does not exist yet is not made.
   *
   * @throws IllegalArgumentException when there is no store there, or as {@link #open}
   * @throws StoreException as {@link #open}
   */
  public static StateStore openExisting(String value, Path out) {
    if (parse(value, out) instanceof SqliteFile f && !java.nio.file.Files.isRegularFile(f.file())) {
      throw new IllegalArgumentException(
          "no state store at " + f.file() + ": a fanout translate run makes it");
    }
    return open(value, out);
  }

  /** A store with nothing in it, for a dry run where none exists yet. */
  private static final class Empty implements StateStore {
    @Override
    public java.util.Optional<String> recall(String key) {
      return java.util.Optional.empty();
    }

    @Override
    public boolean memoryIsEmpty() {
      return true;
    }

    @Override
    public boolean remembers(String backend, String from, String to) {
      return false;
    }

    @Override
    public void memory(java.util.function.Consumer<Memory> each) {}

    @Override
    public long beginRun(String description) {
      throw new UnsupportedOperationException("a dry run writes nothing");
    }

    @Override
    public void finishRun(long run, java.util.Map<String, Long> counts) {
      throw new UnsupportedOperationException("a dry run writes nothing");
    }

    @Override
    public java.util.Optional<Prior> lookup(String key) {
      return java.util.Optional.empty();
    }

    @Override
    public boolean isEmpty() {
      return true;
    }

    @Override
    public void write(java.util.List<Change> changes) {
      throw new UnsupportedOperationException("a dry run writes nothing");
    }

    @Override
    public void failures(long run, long limit, java.util.function.Consumer<Row> each) {}

    @Override
    public void close() {}
  }

  /** The value without a password: {@code postgresql://user:secret@host/db} -> {@code user:***}. */
  static String redact(String value) {
    return value
        .replaceAll("(//[^/@:]*:)[^@/]*@", "$1***@")
        .replaceAll("(?i)(password=)[^&]*", "$1***");
  }
}
