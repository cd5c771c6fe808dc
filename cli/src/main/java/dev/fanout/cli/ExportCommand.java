package dev.fanout.cli;

import dev.fanout.translate.Export;
import dev.fanout.translate.store.Postgres;
import dev.fanout.translate.store.StoreException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fanout export}: writes a shared batch's outputs. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Writes the translated documents of a batch shared through PostgreSQL under --out: the same"
          + " bytes a run on one machine writes for the same inputs. Documents not done yet (or"
          + " failed) have no output; run it again when the batch is done.",
      "",
      "Exit status: 0, or 1 when the database cannot be read or an output cannot be written."
    })
public final class ExportCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin SharedState shared = new SharedState();

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  Path out;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    String url;
    try {
      url = shared.url();
    } catch (IllegalArgumentException e) {
      err.println("fanout export: " + e.getMessage());
      return 1;
    }
    try (Postgres db = Postgres.open(url, 2)) {
      err.println("batch: " + SharedBatch.counts(db));
      Export.Result r = Export.write(db, out);
      err.println(
          String.format(
              Locale.ROOT,
              "exported %,d files and %,d JSON Lines records to %s",
              r.files(),
              r.records(),
              out));
      return 0;
    } catch (IOException | StoreException | IllegalArgumentException e) {
      err.println("fanout export: " + e.getMessage());
      return 1;
    }
  }
}
