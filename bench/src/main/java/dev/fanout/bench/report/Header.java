package dev.fanout.bench.report;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The page's first table: when, on what, with which versions, by which command, under what load.
 */
final class Header {
  /** The peers whose versions the page names, as Maven coordinates. */
  private static final List<String[]> PEERS =
      List.of(
          new String[] {"jox", "com.softwaremill.jox", "channels"},
          new String[] {"Guava", "com.google.guava", "guava"},
          new String[] {"Bucket4j", "com.bucket4j", "bucket4j_jdk17-core"},
          new String[] {"Resilience4j", "io.github.resilience4j", "resilience4j-ratelimiter"},
          new String[] {"JMH", "org.openjdk.jmh", "jmh-core"});

  private Header() {}

  /**
   * What the run's caller knows and the results do not say.
   *
   * @param command the command that made the run, as typed
   * @param revision the commit measured ({@code git describe --always --dirty})
   * @param loadFile the load-average trace run.sh wrote, or null
   * @param sources the result files the page was made from
   * @param started when the run started, or null when not known
   */
  record Info(
      String command,
      String revision,
      Path loadFile,
      List<String> sources,
      ZonedDateTime started,
      Host host) {
    Info(
        String command,
        String revision,
        Path loadFile,
        List<String> sources,
        ZonedDateTime started) {
      this(command, revision, loadFile, sources, started, Host.current());
    }
  }

  /**
   * Where a run ran: the machine, the OS and the peers' versions. Recorded beside the run's results
   * the first time its page is written ({@code RUN.host}), and read from there afterwards, so that
   * a page written again later, or elsewhere, still describes the run and not the host of the day.
   *
   * @param machine CPUs, model and memory
   * @param os the OS and kernel
   * @param peers the peers' names and versions
   */
  record Host(String machine, String os, String peers) {
    static Host current() {
      List<String> peers = new ArrayList<>();
      for (String[] p : PEERS) {
        peers.add(p[0] + " " + version(p[1], p[2]));
      }
      return new Host(
          Runtime.getRuntime().availableProcessors()
              + " CPUs ("
              + cpuModel()
              + "), "
              + memory()
              + " of memory",
          Header.os(),
          String.join(", ", peers));
    }

    /** The host recorded in {@code file}, or, when there is none, this one, recorded there. */
    static Host recordedOrCurrent(Path file) throws IOException {
      if (Files.exists(file)) {
        List<String> lines = Files.readAllLines(file);
        if (lines.size() >= 3) {
          return new Host(value(lines.get(0)), value(lines.get(1)), value(lines.get(2)));
        }
      }
      Host h = current();
      Files.write(file, List.of("machine=" + h.machine, "os=" + h.os, "peers=" + h.peers));
      return h;
    }

    private static String value(String line) {
      return line.substring(line.indexOf('=') + 1);
    }
  }

  static String markdown(Run run, Info info, ZonedDateTime when) throws IOException {
    List<List<String>> rows = new ArrayList<>();
    DateTimeFormatter minutes = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT);
    String written = "page written " + when.withZoneSameInstant(ZoneOffset.UTC).format(minutes);
    rows.add(
        List.of(
            "date",
            info.started() == null
                ? written
                : "run started "
                    + info.started().withZoneSameInstant(ZoneOffset.UTC).format(minutes)
                    + "; "
                    + written));
    rows.add(List.of("command", info.command() == null ? "–" : Md.code(info.command())));
    rows.add(
        List.of("revision", info.revision() == null ? "not recorded" : Md.code(info.revision())));
    rows.add(List.of("machine", info.host().machine()));
    rows.add(List.of("OS", info.host().os()));
    Set<String> jdks = new LinkedHashSet<>();
    Set<String> settings = new LinkedHashSet<>();
    run.jmh().forEach(m -> jdks.add(m.jdk()));
    run.jmh().forEach(m -> settings.add(m.settings()));
    rows.add(List.of("JDK", jdks.isEmpty() ? "–" : String.join("; ", jdks)));
    rows.add(List.of("JMH", settings.isEmpty() ? "–" : String.join("; ", settings)));
    GoBench go = run.go();
    rows.add(
        List.of(
            "Go",
            go.nsPerOp().isEmpty()
                ? "not run"
                : go.config().getOrDefault("goversion", "?")
                    + ", GOMAXPROCS "
                    + go.config().getOrDefault("gomaxprocs", "?")
                    + (go.config().containsKey("benchtime")
                        ? ", " + go.config().get("benchtime")
                        : "")));
    rows.add(List.of("peers", info.host().peers()));
    rows.add(List.of("load average (1 min)", load(info.loadFile())));
    rows.add(
        List.of(
            "results",
            info.sources().isEmpty()
                ? "–"
                : String.join(", ", info.sources().stream().map(Md::code).toList())));
    return Md.table(List.of("run", ""), rows);
  }

  /** The first {@code model name} of /proc/cpuinfo. */
  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).strip();
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return System.getProperty("os.arch");
  }

  /** MemTotal of /proc/meminfo, in GiB. */
  static String memory() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
          return String.format(Locale.ROOT, "%.0f GiB", kib / 1024.0 / 1024.0);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux
    }
    return String.format(
        Locale.ROOT, "%.0f GiB (JVM's view)", Runtime.getRuntime().maxMemory() / 1073741824.0);
  }

  /** PRETTY_NAME of /etc/os-release and the kernel. */
  static String os() {
    String name = System.getProperty("os.name");
    try {
      for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
        if (line.startsWith("PRETTY_NAME=")) {
          name = line.substring("PRETTY_NAME=".length()).replace("\"", "");
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return name + ", kernel " + System.getProperty("os.version");
  }

  /** The version of a library on the class path, from the pom.properties its jar carries. */
  static String version(String group, String artifact) {
    String path = "META-INF/maven/" + group + "/" + artifact + "/pom.properties";
    try (InputStream in = Header.class.getClassLoader().getResourceAsStream(path)) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        return p.getProperty("version", "?");
      }
    } catch (IOException e) {
      // fall through
    }
    // Some jars (Resilience4j's) carry no pom.properties: read the version bench/pom.xml asks for.
    String pom = benchPom();
    if (pom != null) {
      Matcher m =
          Pattern.compile(
                  "<artifactId>"
                      + Pattern.quote(artifact)
                      + "</artifactId>\\s*<version>([^<$]+)</version>")
              .matcher(pom);
      if (m.find()) {
        return m.group(1).strip();
      }
    }
    return "(version unknown)";
  }

  /** bench/pom.xml, found beside the jar or classes this runs from, or null. */
  private static String benchPom() {
    try {
      Path here = Path.of(Header.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      for (Path p = here; p != null; p = p.getParent()) {
        Path pom = p.resolve("pom.xml");
        if (Files.isReadable(pom)
            && p.getFileName() != null
            && p.getFileName().toString().equals("bench")) {
          return Files.readString(pom);
        }
      }
    } catch (IOException | URISyntaxException | RuntimeException e) {
      // not found
    }
    return null;
  }

  /** The least and greatest 1-minute load average in run.sh's trace, and how many samples. */
  static String load(Path file) throws IOException {
    if (file == null || !Files.isReadable(file)) {
      return "not recorded";
    }
    List<Double> values = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      String[] f = line.strip().split("\\s+");
      if (f.length >= 2) {
        try {
          values.add(Double.parseDouble(f[1]));
        } catch (NumberFormatException e) {
          // not a sample
        }
      }
    }
    if (values.isEmpty()) {
      return "not recorded";
    }
    Figure f = Figure.of(values);
    return String.format(
        Locale.ROOT,
        "%.2f–%.2f (%d samples, every 10 s; above %d means other work competed for the CPUs)",
        f.min(),
        f.max(),
        f.samples(),
        Runtime.getRuntime().availableProcessors());
  }
}
