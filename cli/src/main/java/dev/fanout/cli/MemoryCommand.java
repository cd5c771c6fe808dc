package dev.fanout.cli;

import dev.fanout.translate.Languages;
import dev.fanout.translate.SafePaths;
import dev.fanout.translate.store.StateStore;
import dev.fanout.translate.store.StateStores;
import dev.fanout.translate.store.StoreException;
import dev.fanout.translate.store.Tmx;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fanout memory}: the translation memory of a state store, to and from TMX 1.4b files, so a
 * team can move it to and from the CAT tools it already has ({@link Tmx} does the reading and
 * writing). Each subcommand takes the store's run lock: it cannot run while a {@code fanout
 * translate} holds the same store, and says so.
 */
@Command(
    name = "memory",
    mixinStandardHelpOptions = true,
    description = {
      "The translation memory of a state store, to and from TMX 1.4b files (CAT tools).",
      "",
      "Exit status: 0 done, 1 usage error, a malformed file or a store that cannot be opened."
    },
    subcommands = {MemoryCommand.Export.class, MemoryCommand.Import.class})
public final class MemoryCommand implements Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine()
        .getErr()
        .println("fanout memory: give a subcommand, export or import (see fanout memory --help)");
    return 1;
  }

  /** Where the store is: as {@code fanout translate} finds it. */
  static final class StoreOptions {
    @Option(
        names = "--out",
        paramLabel = "DIR",
        description = "The --out of fanout translate runs: the store is DIR/.fanout/state.db.")
    Path out;

    @Option(
        names = "--state",
        paramLabel = "PATH",
        description = "The state store file, when fanout translate was given --state PATH.")
    String state;

    /** Opens the store, checking first (for a read) that it exists. */
    StateStore open(boolean mustExist) {
      if (state == null && out == null) {
        throw new IllegalArgumentException(
            "give --out DIR (the store of fanout translate --out DIR) or --state PATH");
      }
      return mustExist ? StateStores.openExisting(state, out) : StateStores.open(state, out);
    }
  }

  /** A subcommand's work, which may fail. */
  private interface Work {
    int run() throws IOException;
  }

  /**
   * Runs a subcommand's work: a usage problem or a failure is one line on stderr and status 1.
   *
   * @param file the TMX file, for messages
   */
  private static int oneLineErrors(CommandLine.Model.CommandSpec spec, Path file, Work work) {
    String name = spec.qualifiedName();
    PrintWriter err = spec.commandLine().getErr();
    try {
      return work.run();
    } catch (Tmx.MalformedException e) {
      err.println(name + ": " + file + ": " + e.getMessage() + "; nothing was imported");
    } catch (IllegalArgumentException | StoreException e) {
      err.println(name + ": " + e.getMessage());
    } catch (IOException e) {
      err.println(name + ": " + file + ": " + e);
    }
    return 1;
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String counts(Map<String, Long> byWhat) {
    return byWhat.entrySet().stream()
        .map(e -> count(e.getValue()) + " " + e.getKey())
        .collect(Collectors.joining(", "));
  }

  /** {@code fanout memory export}. */
  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Writes the translation memory to a TMX 1.4b file (atomically): one <tu> per unit, inline"
            + " pieces as <ph x=\"n\"/>, the backend in <prop type=\"x-fanout-backend\">.",
      })
  static final class Export implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--tmx", required = true, paramLabel = "FILE", description = "The TMX file.")
    Path tmx;

    @Mixin StoreOptions store;

    @Option(
        names = "--from",
        defaultValue = "en",
        paramLabel = "LANG",
        description = "The source language of the units exported (default: ${DEFAULT-VALUE}).")
    String from;

    @Option(
        names = "--to",
        paramLabel = "LANG",
        description = "Export only the units translated into LANG (default: every language).")
    String to;

    @Override
    public Integer call() {
      return oneLineErrors(spec, tmx, this::export);
    }

    private int export() throws IOException {
      from = Languages.iso1(from);
      to = to == null ? null : Languages.iso1(to);
      Path target = tmx.toAbsolutePath();
      Tmx.Exported e;
      try (StateStore s = store.open(true)) {
        Tmx.Exported[] written = new Tmx.Exported[1];
        SafePaths.writeAtomically(
            target,
            tmp -> {
              try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                written[0] = Tmx.write(s, o, from, to, Main.VERSION);
              }
            });
        e = written[0];
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(
          "exported "
              + count(e.units())
              + " units to "
              + tmx
              + (e.pairs().isEmpty() ? "" : " (" + counts(e.pairs()) + ")"));
      if (!e.leftOut().isEmpty()) {
        out.println(
            "left out: "
                + counts(e.leftOut())
                + (e.leftOut().keySet().stream().anyMatch(k -> k.startsWith("translated from"))
                    ? " (export another source language with --from)"
                    : ""));
      }
      return 0;
    }
  }

  /** {@code fanout memory import}. */
  @Command(
      name = "import",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Imports a TMX file (1.4b; 1.1 to 1.3 read too) into the translation memory as"
            + " translations people made: fanout translate --from LANG --to LANG uses them before"
            + " any backend's. Re-importing a file changes nothing: the memory keeps the first"
            + " translation of a unit.",
      })
  static final class Import implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The TMX file.")
    Path file;

    @Option(
        names = "--to",
        required = true,
        paramLabel = "LANG",
        description = "The language translated into: each <tu>'s <tuv> in it (es matches es-MX).")
    String to;

    @Option(
        names = "--from",
        defaultValue = "en",
        paramLabel = "LANG",
        description = "The source language (default: ${DEFAULT-VALUE}).")
    String from;

    @Mixin StoreOptions store;

    @Override
    public Integer call() {
      return oneLineErrors(spec, file, this::importFile);
    }

    private int importFile() throws IOException {
      from = Languages.iso1(from);
      to = Languages.iso1(to);
      if (from.equals(to)) {
        throw new IllegalArgumentException("--from and --to are the same language: " + from);
      }
      if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
        throw new IllegalArgumentException("cannot read " + file + ": no such file");
      }
      try (StateStore s = store.open(false)) {
        long run = s.beginRun("memory import " + file + " --from " + from + " --to " + to);
        Map<String, Long> recorded = new LinkedHashMap<>(Map.of("imported", 0L));
        Tmx.Imported r;
        try {
          r = Tmx.read(s, file, from, to, run);
          recorded.put("imported", r.added());
          recorded.put("known", r.known());
          recorded.put("skipped", r.skippedUnits());
        } finally {
          s.finishRun(run, recorded);
        }
        print(r);
        return 0;
      }
    }

    private void print(Tmx.Imported r) {
      PrintWriter out = spec.commandLine().getOut();
      out.println(
          "imported "
              + file
              + " ("
              + from
              + ">"
              + to
              + "): "
              + count(r.units())
              + " <tu> read, "
              + count(r.added())
              + " new, "
              + count(r.known())
              + " already in the memory"
              + (r.differing() > 0
                  ? " ("
                      + count(r.differing())
                      + " translated otherwise in the file: the memory keeps its first)"
                  : "")
              + ", "
              + count(r.skippedUnits())
              + " skipped");
      if (!r.skipped().isEmpty()) {
        out.println("skipped: " + counts(r.skipped()));
        for (String example : r.examples()) {
          out.println("  " + example);
        }
      }
      if (r.added() + r.known() == 0 && r.units() > 0) {
        out.println(
            "no <tu> has both "
                + from
                + " and "
                + to
                + "; the file's languages: "
                + String.join(", ", r.languages()));
      } else if (r.added() > 0) {
        out.println(
            "fanout translate --from "
                + from
                + " --to "
                + to
                + " on this store now uses them before any backend's translation");
      }
    }
  }
}
