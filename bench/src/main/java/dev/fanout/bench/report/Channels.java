package dev.fanout.bench.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Channels next to their peers, ns per item: {@code ChannelBenchmark} (two carriers, the
 * machine's), {@code ChannelOneCarrierBenchmark} (one carrier), {@code
 * ChannelSingleThreadBenchmark} (send then receive on one thread) and Go's {@code Transfer_*} and
 * {@code SingleSendReceive16}.
 */
final class Channels {
  static final String OURS = "fanout";
  static final String GO = "Go";

  /** Reading order of the JVM peers; others follow in alphabetical order. */
  private static final List<String> PEER_ORDER =
      List.of("SynchronousQueue", "ArrayBlockingQueue", "LinkedTransferQueue", "jox");

  private static final Pattern CAPACITY = Pattern.compile("-(\\d+)$");
  private static final Pattern GO_TRANSFER =
      Pattern.compile("Transfer_P(\\d+)_(Rendezvous|Buffered(\\d+))");
  private static final int GO_ITEMS = 100_000;

  private Channels() {}

  /** How items moved: producers into one consumer through a channel of a capacity. */
  record Shape(int producers, int capacity, boolean oneThread, boolean oneCarrier) {
    String label() {
      String kind = capacity == 0 ? "rendezvous" : "buffered(" + capacity + ")";
      if (oneThread) {
        return "one thread, send + receive, " + kind;
      }
      return producers + " → 1, " + kind + (oneCarrier ? ", one carrier" : "");
    }

    /** The label for a chart's axis: short, in words that wrap. */
    String shortLabel() {
      String kind = capacity == 0 ? "rendezvous" : "buffered " + capacity;
      if (oneThread) {
        return "one thread " + kind;
      }
      return (oneCarrier ? "one carrier " : "") + producers + " → 1 " + kind;
    }

    /** Two carriers first (rendezvous, then by capacity, 1 producer before 4), then the rest. */
    static final Comparator<Shape> ORDER =
        Comparator.comparing((Shape s) -> s.oneCarrier)
            .thenComparing(s -> s.oneThread)
            .thenComparingInt(s -> s.capacity)
            .thenComparingInt(s -> s.producers);
  }

  /** One configuration: each implementation's figure, ours under {@link #OURS}. */
  record Row(Shape shape, Map<String, Figure> byImpl) {
    Figure ours() {
      return byImpl.get(OURS);
    }

    Figure go() {
      return byImpl.get(GO);
    }

    /** {@return the JVM peer with the lowest median, or null when none ran} */
    Map.Entry<String, Figure> bestJvmPeer() {
      return byImpl.entrySet().stream()
          .filter(e -> !e.getKey().equals(OURS) && !e.getKey().equals(GO))
          .min(Comparator.comparingDouble(e -> e.getValue().median()))
          .orElse(null);
    }
  }

  static List<Row> rows(Run run) {
    Map<Shape, Map<String, Figure>> by = new TreeMap<>(Shape.ORDER);
    for (Measurement m : run.of("ChannelBenchmark", "ChannelOneCarrierBenchmark")) {
      String pipe = m.param("pipe");
      if (pipe == null) {
        continue;
      }
      Matcher c = CAPACITY.matcher(pipe);
      int capacity = c.find() ? Integer.parseInt(c.group(1)) : 0;
      boolean oneCarrier = m.className().equals("ChannelOneCarrierBenchmark");
      Shape s = new Shape(m.intParam("producers", 1), capacity, false, oneCarrier);
      by.computeIfAbsent(s, k -> new LinkedHashMap<>()).put(impl(pipe), m.ns());
    }
    for (Measurement m : run.of("ChannelSingleThreadBenchmark")) {
      Shape s = new Shape(1, 16, true, false);
      by.computeIfAbsent(s, k -> new LinkedHashMap<>()).put(implOfMethod(m.method()), m.ns());
    }
    for (Map.Entry<String, Figure> e : run.go().nsPerOp().entrySet()) {
      Matcher t = GO_TRANSFER.matcher(e.getKey());
      if (t.matches()) {
        int capacity = t.group(3) == null ? 0 : Integer.parseInt(t.group(3));
        Shape s = new Shape(Integer.parseInt(t.group(1)), capacity, false, false);
        by.computeIfAbsent(s, k -> new LinkedHashMap<>())
            .put(GO, e.getValue().times(1.0 / GO_ITEMS));
      } else if (e.getKey().equals("SingleSendReceive16")) {
        by.computeIfAbsent(new Shape(1, 16, true, false), k -> new LinkedHashMap<>())
            .put(GO, e.getValue());
      }
    }
    List<Row> rows = new ArrayList<>();
    by.forEach((shape, impls) -> rows.add(new Row(shape, impls)));
    return rows;
  }

  /** {@code fanout-buffered-16} is fanout, {@code jdk-ArrayBlockingQueue-16} ArrayBlockingQueue. */
  static String impl(String pipe) {
    String who = pipe.contains("-") ? pipe.substring(0, pipe.indexOf('-')) : pipe;
    if (!who.equals("jdk")) {
      return who;
    }
    return CAPACITY.matcher(pipe.substring(4)).replaceFirst("");
  }

  /**
   * {@code fanoutSendReceive} is fanout, {@code jdkArrayBlockingQueuePutTake} ArrayBlockingQueue.
   */
  static String implOfMethod(String method) {
    if (method.startsWith("fanout")) {
      return OURS;
    }
    if (method.startsWith("jdk")) {
      return method.substring(3).replaceFirst("PutTake$", "");
    }
    if (method.startsWith("jox")) {
      return "jox";
    }
    return method;
  }

  /** Every implementation that appears, ours first, then the JVM peers, then Go. */
  static List<String> columns(List<Row> rows) {
    Set<String> seen = new LinkedHashSet<>();
    rows.forEach(r -> seen.addAll(r.byImpl().keySet()));
    List<String> peers = new ArrayList<>(seen);
    peers.removeAll(List.of(OURS, GO));
    peers.sort(
        Comparator.comparingInt(
                (String p) -> PEER_ORDER.contains(p) ? PEER_ORDER.indexOf(p) : PEER_ORDER.size())
            .thenComparing(p -> p));
    List<String> cols = new ArrayList<>();
    if (seen.contains(OURS)) {
      cols.add(OURS);
    }
    cols.addAll(peers);
    if (seen.contains(GO)) {
      cols.add(GO);
    }
    return cols;
  }

  static String markdown(List<Row> rows) {
    List<String> cols = columns(rows);
    List<String> header = new ArrayList<>();
    header.add("ns per item");
    for (String c : cols) {
      header.add(c.equals(OURS) ? "**fanout `Channel`**" : c.equals(GO) ? "Go `chan`" : c);
    }
    boolean go = cols.contains(GO);
    header.add("fanout ÷ best JVM peer");
    if (go) {
      header.add("fanout ÷ Go");
    }
    List<List<String>> cells = new ArrayList<>();
    for (Row r : rows) {
      List<String> line = new ArrayList<>();
      line.add(r.shape().label());
      for (String c : cols) {
        String cell = Md.cell(r.byImpl().get(c));
        line.add(c.equals(OURS) && r.ours() != null ? "**" + cell + "**" : cell);
      }
      Map.Entry<String, Figure> best = r.bestJvmPeer();
      line.add(
          best == null || r.ours() == null
              ? "–"
              : Md.ratio(r.ours().ratioTo(best.getValue())) + " (" + best.getKey() + ")");
      if (go) {
        line.add(Md.ratioCell(r.ours(), r.go()));
      }
      cells.add(line);
    }
    return Md.table(header, cells);
  }
}
