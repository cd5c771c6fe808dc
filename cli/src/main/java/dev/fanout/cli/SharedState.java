package dev.fanout.cli;

import dev.fanout.translate.store.StateStores;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --state URL} of the commands that only work on a batch shared through PostgreSQL ({@code
 * worker}, {@code status}, {@code export}).
 */
final class SharedState {
  @Option(
      names = "--state",
      required = true,
      paramLabel = "URL",
      description =
          "The batch's database: postgresql://USER@HOST:PORT/DB or a JDBC URL; the password from"
              + " PGPASSWORD or ~/.pgpass.")
  String state;

  /**
   * {@return the PostgreSQL URL given}
   *
   * @throws IllegalArgumentException for anything else (a usage error, in one line)
   */
  String url() {
    if (StateStores.parse(state, Path.of(".")) instanceof StateStores.Postgres pg) {
      return pg.url();
    }
    throw new IllegalArgumentException(
        "--state must be a PostgreSQL URL (postgresql://USER@HOST:PORT/DB or a JDBC URL)");
  }
}
