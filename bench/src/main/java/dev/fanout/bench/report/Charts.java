package dev.fanout.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPosition;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.CategoryLabelWidthType;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.CategoryItemRendererState;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.text.TextBlockAnchor;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.CategoryDataset;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The page's charts, drawn with JFreeChart into PNG files (headless). Every bar is a median and
 * carries a line from the least to the greatest iteration, as the tables do.
 */
final class Charts {
  static final int WIDTH = 900;
  static final int HEIGHT = 500;

  static final String CHANNELS = "channels.png";
  static final String FAN_OUT = "fan-out-10000.png";
  static final String COST_ORDERING = "cost-ordering.png";
  static final String RATE_LIMITERS = "rate-limiters.png";

  static final List<String> ALL = List.of(CHANNELS, FAN_OUT, COST_ORDERING, RATE_LIMITERS);

  private static final Color OURS = new Color(0x1f, 0x5f, 0xbf);
  private static final Color JDK = new Color(0x8c, 0x8c, 0x8c);
  private static final Color JOX = new Color(0xe0, 0x8a, 0x1e);
  private static final Color GO = new Color(0x17, 0xa6, 0x9e);
  private static final Color OTHER = new Color(0xb0, 0x5c, 0xa8);
  private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 17);
  private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
  private static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

  private Charts() {}

  /** Bars at the median, each with a line from its least to its greatest iteration. */
  static final class RangeBars extends BarRenderer {
    private static final long serialVersionUID = 1L;
    private final transient Map<String, Figure> ranges = new HashMap<>();
    private final transient Predicate<String> oursColumn;

    /** With {@code oursColumn}, one series coloured by category: ours in blue, the rest grey. */
    RangeBars(Predicate<String> oursColumn) {
      this.oursColumn = oursColumn;
      setBarPainter(new StandardBarPainter());
      setShadowVisible(false);
      setDrawBarOutline(false);
      setItemMargin(0.04);
    }

    void put(Comparable<?> row, Comparable<?> column, Figure f) {
      ranges.put(row + "\u0000" + column, f);
    }

    /** {@return the greatest value any range line reaches} */
    double highest() {
      return ranges.values().stream().mapToDouble(Figure::max).max().orElse(1);
    }

    /** {@return the least value any range line reaches} */
    double lowest() {
      return ranges.values().stream().mapToDouble(Figure::min).min().orElse(1);
    }

    @Override
    public Paint getItemPaint(int row, int column) {
      if (oursColumn != null && getPlot() != null) {
        String key = getPlot().getDataset().getColumnKey(column).toString();
        return oursColumn.test(key) ? OURS : JDK;
      }
      return super.getItemPaint(row, column);
    }

    @Override
    public void drawItem(
        Graphics2D g2,
        CategoryItemRendererState state,
        Rectangle2D dataArea,
        CategoryPlot plot,
        CategoryAxis domainAxis,
        ValueAxis rangeAxis,
        CategoryDataset dataset,
        int row,
        int column,
        int pass) {
      super.drawItem(g2, state, dataArea, plot, domainAxis, rangeAxis, dataset, row, column, pass);
      if (dataset.getValue(row, column) == null) {
        return;
      }
      Figure f = ranges.get(dataset.getRowKey(row) + "\u0000" + dataset.getColumnKey(column));
      int visible = state.getVisibleSeriesIndex(row);
      if (f == null || f.min() == f.max() || visible < 0) {
        return;
      }
      PlotOrientation o = plot.getOrientation();
      double w0 = calculateBarW0(plot, o, dataArea, domainAxis, state, visible, column);
      double mid = w0 + state.getBarWidth() / 2;
      double cap = Math.min(state.getBarWidth() / 3, 5);
      RectangleEdge edge = plot.getRangeAxisEdge();
      double lo = rangeAxis.valueToJava2D(f.min(), dataArea, edge);
      double hi = rangeAxis.valueToJava2D(f.max(), dataArea, edge);
      g2.setPaint(Color.BLACK);
      g2.setStroke(new BasicStroke(1.3f));
      if (o == PlotOrientation.VERTICAL) {
        g2.draw(new Line2D.Double(mid, lo, mid, hi));
        g2.draw(new Line2D.Double(mid - cap, lo, mid + cap, lo));
        g2.draw(new Line2D.Double(mid - cap, hi, mid + cap, hi));
      } else {
        g2.draw(new Line2D.Double(lo, mid, hi, mid));
        g2.draw(new Line2D.Double(lo, mid - cap, lo, mid + cap));
        g2.draw(new Line2D.Double(hi, mid - cap, hi, mid + cap));
      }
    }
  }

  /** Channels, ns per item, grouped by configuration: ours, the JDK's queue, jox, Go. */
  static boolean channels(List<Channels.Row> rows, Path file) throws IOException {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    RangeBars bars = new RangeBars(null);
    for (Channels.Row r : rows) {
      String category = r.shape().shortLabel();
      r.byImpl()
          .forEach(
              (impl, f) -> {
                String series = series(impl);
                data.addValue(f.median(), series, category);
                bars.put(series, category, f);
              });
    }
    if (data.getColumnCount() == 0) {
      return false;
    }
    colourSeries(data, bars);
    labels(bars, "#,##0", PlotOrientation.VERTICAL);
    CategoryPlot plot =
        plot(data, bars, PlotOrientation.VERTICAL, logAxis("ns per item (log scale)", bars));
    plot.getDomainAxis().setMaximumCategoryLabelLines(4);
    plot.getDomainAxis().setCategoryMargin(0.12);
    write(
        chart("Channels: ns per item (bar: median; line: min–max)", plot, true),
        file,
        WIDTH,
        HEIGHT);
    return true;
  }

  /** Fan-out at n = 10,000, ns per task: every variant, ours in blue. */
  static boolean fanOut(FanOut.Table t, Path file) throws IOException {
    if (t == null || t.rows().isEmpty()) {
      return false;
    }
    Map<String, Figure> figures = new java.util.LinkedHashMap<>();
    for (FanOut.Row r : t.rows()) {
      figures.put(r.method(), r.perTask());
    }
    horizontalBars(
        "Fan-out of 10,000 no-op tasks: ns per task (blue: fanout; line: min–max)",
        "ns per task",
        "#,##0",
        c -> c.startsWith("fanout_"),
        figures,
        file);
    return true;
  }

  /** Cost ordering, Java next to Go, ns per operation. */
  static boolean costOrdering(List<CostOrdering.Row> rows, Path file) throws IOException {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    RangeBars bars = new RangeBars(null);
    for (CostOrdering.Row r : rows) {
      if (r.java() != null) {
        data.addValue(r.java().median(), "Java", r.name());
        bars.put("Java", r.name(), r.java());
      }
      if (r.go() != null) {
        data.addValue(r.go().median(), "Go", r.name());
        bars.put("Go", r.name(), r.go());
      }
    }
    if (data.getColumnCount() == 0) {
      return false;
    }
    colourSeries(data, bars);
    labels(bars, "#,##0.#", PlotOrientation.VERTICAL);
    CategoryPlot plot =
        plot(
            data,
            bars,
            PlotOrientation.VERTICAL,
            logAxis("ns per operation (log scale)", bars),
            1.6f);
    write(
        chart("What one operation costs: Java and Go (bar: median; line: min–max)", plot, true),
        file,
        WIDTH,
        HEIGHT);
    return true;
  }

  /** Rate limiters: ns per uncontended grant, ours in blue. */
  static boolean rateLimiters(List<RateLimiters.Row> rows, Path file) throws IOException {
    if (rows.isEmpty()) {
      return false;
    }
    Map<String, Figure> figures = new java.util.LinkedHashMap<>();
    for (RateLimiters.Row r : rows) {
      figures.put(r.label(), r.ns());
    }
    horizontalBars(
        "Rate limiters: one uncontended tryAcquire, ns (blue: fanout; line: min–max)",
        "ns per grant",
        "#,##0.0",
        c -> c.equals("fanout"),
        figures,
        file);
    return true;
  }

  /** One horizontal bar per label, in the map's order, with its min-max line; ours in blue. */
  private static void horizontalBars(
      String title,
      String unit,
      String format,
      Predicate<String> ours,
      Map<String, Figure> figures,
      Path file)
      throws IOException {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    RangeBars bars = new RangeBars(ours);
    for (Map.Entry<String, Figure> e : figures.entrySet()) {
      data.addValue(e.getValue().median(), unit, e.getKey());
      bars.put(unit, e.getKey(), e.getValue());
    }
    labels(bars, format, PlotOrientation.HORIZONTAL);
    NumberAxis axis = new NumberAxis(unit);
    CategoryPlot plot = plot(data, bars, PlotOrientation.HORIZONTAL, axis);
    axis.setRange(0, bars.highest() * 1.05);
    write(chart(title, plot, false), file, WIDTH, HEIGHT);
  }

  private static String series(String impl) {
    if (impl.equals(Channels.OURS)) {
      return "fanout Channel";
    }
    if (impl.equals(Channels.GO)) {
      return "Go chan";
    }
    if (impl.equals("jox")) {
      return "jox";
    }
    return "JDK queue";
  }

  private static void colourSeries(DefaultCategoryDataset data, RangeBars bars) {
    for (int i = 0; i < data.getRowCount(); i++) {
      String s = data.getRowKey(i).toString();
      Color c =
          s.startsWith("fanout") || s.equals("Java")
              ? OURS
              : s.startsWith("Go") ? GO : s.equals("jox") ? JOX : s.startsWith("JDK") ? JDK : OTHER;
      bars.setSeriesPaint(i, c);
    }
  }

  /**
   * Each bar's median written inside it, in white, from its base (vertical bars: turned to run up
   * the bar; horizontal ones: at the left end), where no range line runs.
   */
  private static void labels(RangeBars bars, String format, PlotOrientation o) {
    bars.setDefaultItemLabelGenerator(
        new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat(format)));
    bars.setDefaultItemLabelsVisible(true);
    bars.setDefaultItemLabelPaint(Color.WHITE);
    bars.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
    bars.setItemLabelAnchorOffset(4);
    if (o == PlotOrientation.VERTICAL) {
      bars.setDefaultPositiveItemLabelPosition(
          new ItemLabelPosition(
              ItemLabelAnchor.INSIDE6,
              TextAnchor.CENTER_LEFT,
              TextAnchor.CENTER_LEFT,
              -Math.PI / 2));
    } else {
      bars.setDefaultPositiveItemLabelPosition(
          new ItemLabelPosition(ItemLabelAnchor.INSIDE9, TextAnchor.CENTER_LEFT));
    }
  }

  /** A log axis from the power of ten below the least value to a little above the greatest. */
  private static LogAxis logAxis(String label, RangeBars bars) {
    LogAxis axis = new LogAxis(label);
    axis.setBase(10);
    axis.setSmallestValue(1e-3);
    axis.setNumberFormatOverride(new DecimalFormat("#,##0.###"));
    axis.setTickUnit(new NumberTickUnit(1));
    axis.setMinorTickMarksVisible(true);
    double lower = Math.pow(10, Math.floor(Math.log10(Math.max(bars.lowest(), 1e-3))));
    axis.setRange(lower, bars.highest() * 1.6);
    return axis;
  }

  private static CategoryPlot plot(
      DefaultCategoryDataset data, RangeBars bars, PlotOrientation o, ValueAxis valueAxis) {
    return plot(data, bars, o, valueAxis, 1.0f);
  }

  /**
   * A plot; on vertical charts a category's label may be {@code labelWidth} times the category's
   * width (above 1, long method names stay whole where the neighbours leave room).
   */
  private static CategoryPlot plot(
      DefaultCategoryDataset data,
      RangeBars bars,
      PlotOrientation o,
      ValueAxis valueAxis,
      float labelWidth) {
    if (valueAxis instanceof LogAxis log) {
      bars.setBase(log.getLowerBound());
    }
    CategoryAxis categories = new CategoryAxis();
    categories.setTickLabelFont(TICK);
    if (o == PlotOrientation.VERTICAL) {
      CategoryLabelPosition below =
          new CategoryLabelPosition(
              RectangleAnchor.TOP,
              TextBlockAnchor.TOP_CENTER,
              CategoryLabelWidthType.CATEGORY,
              labelWidth);
      CategoryLabelPosition standard =
          CategoryLabelPositions.STANDARD.getLabelPosition(RectangleEdge.TOP);
      categories.setCategoryLabelPositions(
          new CategoryLabelPositions(
              standard,
              below,
              CategoryLabelPositions.STANDARD.getLabelPosition(RectangleEdge.LEFT),
              CategoryLabelPositions.STANDARD.getLabelPosition(RectangleEdge.RIGHT)));
    }
    valueAxis.setLabelFont(LABEL);
    valueAxis.setTickLabelFont(TICK);
    CategoryPlot plot = new CategoryPlot(data, categories, valueAxis, bars);
    plot.setOrientation(o);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(new Color(0xd0, 0xd0, 0xd0));
    plot.setRangeGridlinesVisible(true);
    plot.setOutlineVisible(false);
    return plot;
  }

  private static JFreeChart chart(String title, CategoryPlot plot, boolean legend) {
    JFreeChart chart = new JFreeChart(title, TITLE, plot, legend);
    chart.setBackgroundPaint(Color.WHITE);
    chart.setTitle(new TextTitle(title, TITLE));
    if (legend) {
      chart.getLegend().setItemFont(LABEL);
      chart.getLegend().setFrame(org.jfree.chart.block.BlockBorder.NONE);
    }
    return chart;
  }

  private static void write(JFreeChart chart, Path file, int width, int height) throws IOException {
    Files.createDirectories(file.getParent());
    ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
  }
}
