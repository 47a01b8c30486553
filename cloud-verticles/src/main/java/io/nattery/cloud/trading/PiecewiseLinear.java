package io.nattery.cloud.trading;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A continuous piecewise-linear function on a closed interval, kept exactly: breakpoints {@code x},
 * values {@code v} and the slope {@code s[i]} of each segment. Slopes are carried, not recomputed from
 * values, so that the optimiser's value functions only ever hold slopes that came from prices (no
 * rounding noise decides whether a function is concave). Immutable.
 */
final class PiecewiseLinear {

  /** Breakpoints closer than this (kWh) are one point: below any meaningful energy, above rounding. */
  static final double EPS_X = 1e-9;

  final double[] x;
  final double[] v;
  final double[] s;

  private PiecewiseLinear(double[] x, double[] v, double[] s) {
    this.x = x;
    this.v = v;
    this.s = s;
  }

  /** From a start point and segments (length, slope). */
  static PiecewiseLinear of(double x0, double v0, double[] lengths, double[] slopes, int count) {
    double[] x = new double[count + 1];
    double[] v = new double[count + 1];
    double[] s = Arrays.copyOf(slopes, count);
    x[0] = x0;
    v[0] = v0;
    for (int i = 0; i < count; i++) {
      x[i + 1] = x[i] + lengths[i];
      v[i + 1] = v[i] + slopes[i] * lengths[i];
    }
    return new PiecewiseLinear(x, v, s);
  }

  static PiecewiseLinear constant(double from, double to, double value) {
    if (to - from <= EPS_X) {
      return new PiecewiseLinear(new double[] {from}, new double[] {value}, new double[0]);
    }
    return new PiecewiseLinear(new double[] {from, to}, new double[] {value, value}, new double[] {0});
  }

  /** From points with the slope of each segment given (length {@code points - 1}). */
  static PiecewiseLinear ofPoints(double[] x, double[] v, double[] s) {
    return new PiecewiseLinear(x.clone(), v.clone(), s.clone());
  }

  double start() {
    return x[0];
  }

  double end() {
    return x[x.length - 1];
  }

  int segments() {
    return s.length;
  }

  boolean contains(double at) {
    return at >= x[0] - EPS_X && at <= end() + EPS_X;
  }

  /** The value at a point of the domain (points a hair outside are read at the nearest end). */
  double value(double at) {
    int last = x.length - 1;
    if (at <= x[0]) {
      return v[0];
    }
    if (at >= x[last]) {
      return v[last];
    }
    int i = segmentOf(at);
    return v[i] + s[i] * (at - x[i]);
  }

  /** The index of the segment holding {@code at}, for {@code x[0] <= at < end()}. */
  private int segmentOf(double at) {
    int i = Arrays.binarySearch(x, at);
    if (i < 0) {
      i = -i - 2;
    }
    return Math.min(Math.max(i, 0), s.length - 1);
  }

  boolean isConcave() {
    for (int i = 1; i < s.length; i++) {
      if (s[i] > s[i - 1]) {
        return false;
      }
    }
    return true;
  }

  PiecewiseLinear negate() {
    double[] nv = new double[v.length];
    double[] ns = new double[s.length];
    for (int i = 0; i < v.length; i++) {
      nv[i] = -v[i];
    }
    for (int i = 0; i < s.length; i++) {
      ns[i] = -s[i];
    }
    return new PiecewiseLinear(x, nv, ns);
  }

  /** {@code w -> f(-w)}. */
  PiecewiseLinear mirror() {
    int n = x.length;
    double[] mx = new double[n];
    double[] mv = new double[n];
    double[] ms = new double[s.length];
    for (int i = 0; i < n; i++) {
      mx[i] = -x[n - 1 - i];
      mv[i] = v[n - 1 - i];
    }
    for (int i = 0; i < s.length; i++) {
      ms[i] = -s[s.length - 1 - i];
    }
    return new PiecewiseLinear(mx, mv, ms);
  }

  /** The maximal concave pieces, split where the slope rises (a convex kink); each shares its ends. */
  List<PiecewiseLinear> concavePieces() {
    if (isConcave()) {
      return List.of(this);
    }
    List<PiecewiseLinear> pieces = new ArrayList<>();
    int from = 0;
    for (int i = 1; i <= s.length; i++) {
      if (i == s.length || s[i] > s[i - 1]) {
        pieces.add(new PiecewiseLinear(Arrays.copyOfRange(x, from, i + 1), Arrays.copyOfRange(v, from, i + 1),
            Arrays.copyOfRange(s, from, i)));
        from = i;
      }
    }
    return pieces;
  }

  /**
   * The sup-convolution {@code h(z) = max over a + b = z of f(a) + g(b)} of two concave functions:
   * concave again, its segments the two slope lists merged in decreasing order. Exact, O(n + m).
   */
  static PiecewiseLinear supConvolution(PiecewiseLinear f, PiecewiseLinear g) {
    int n = f.s.length;
    int m = g.s.length;
    double[] x = new double[n + m + 1];
    double[] v = new double[n + m + 1];
    double[] s = new double[n + m];
    x[0] = f.x[0] + g.x[0];
    v[0] = f.v[0] + g.v[0];
    int i = 0;
    int j = 0;
    int k = 0;
    while (i < n || j < m) {
      double length;
      double slope;
      if (j >= m || (i < n && f.s[i] >= g.s[j])) {
        length = f.x[i + 1] - f.x[i];
        slope = f.s[i++];
      } else {
        length = g.x[j + 1] - g.x[j];
        slope = g.s[j++];
      }
      if (k > 0 && slope == s[k - 1]) {
        x[k] += length;
        v[k] += slope * length;
        continue;
      }
      s[k] = slope;
      x[k + 1] = x[k] + length;
      v[k + 1] = v[k] + slope * length;
      k++;
    }
    return new PiecewiseLinear(Arrays.copyOf(x, k + 1), Arrays.copyOf(v, k + 1), Arrays.copyOf(s, k));
  }

  /**
   * The restriction to {@code [lo, hi]}, or null when the domains do not meet. Ends within
   * {@link #EPS_X} of the domain are snapped to it, so rounding never empties a feasible domain.
   */
  PiecewiseLinear clip(double lo, double hi) {
    double a = Math.max(lo, x[0]);
    double b = Math.min(hi, end());
    if (a > b) {
      if (a - b > EPS_X) {
        return null;
      }
      double at = lo > end() ? end() : x[0];
      return new PiecewiseLinear(new double[] {at}, new double[] {value(at)}, new double[0]);
    }
    if (a <= x[0] && b >= end()) {
      return this;
    }
    if (b - a <= EPS_X) {
      return new PiecewiseLinear(new double[] {a}, new double[] {value(a)}, new double[0]);
    }
    int first = segmentOf(a);
    int last = segmentOf(b);
    if (b <= x[last] + EPS_X && last > first) {
      last--; // b sits on a breakpoint: the segment after it is not needed
    }
    if (a >= x[first + 1] - EPS_X && first < last) {
      first++;
    }
    int count = last - first + 1;
    double[] nx = new double[count + 1];
    double[] nv = new double[count + 1];
    double[] ns = Arrays.copyOfRange(s, first, last + 1);
    nx[0] = a;
    nv[0] = value(a);
    for (int i = 1; i < count; i++) {
      nx[i] = x[first + i];
      nv[i] = v[first + i];
    }
    nx[count] = b;
    nv[count] = value(b);
    return new PiecewiseLinear(nx, nv, ns);
  }

  /**
   * The pointwise maximum of functions whose domains together cover one interval (each is -infinity
   * outside its own; where one ends inside the others, the maximum is meant to be continuous, as the
   * optimiser's value functions are). Between consecutive breakpoints every function is a line, and the maximum of
   * lines is found by walking to the first crossing by a steeper one.
   */
  static PiecewiseLinear upperEnvelope(List<PiecewiseLinear> functions) {
    if (functions.size() == 1) {
      return functions.get(0);
    }
    double[] cuts = breakpoints(functions);
    if (cuts.length == 1) {
      double best = Double.NEGATIVE_INFINITY;
      for (PiecewiseLinear f : functions) {
        best = Math.max(best, f.value(cuts[0]));
      }
      return new PiecewiseLinear(new double[] {cuts[0]}, new double[] {best}, new double[0]);
    }
    Points out = new Points(cuts.length * 2);
    int n = functions.size();
    double[] at = new double[n];
    double[] slope = new double[n];
    boolean[] active = new boolean[n];
    for (int c = 0; c + 1 < cuts.length; c++) {
      double a = cuts[c];
      double b = cuts[c + 1];
      double mid = (a + b) / 2;
      int current = -1;
      for (int k = 0; k < n; k++) {
        PiecewiseLinear f = functions.get(k);
        active[k] = f.x[0] <= a + EPS_X && f.end() >= b - EPS_X && f.s.length > 0;
        if (active[k]) {
          int seg = f.segmentOf(mid);
          slope[k] = f.s[seg];
          at[k] = f.v[seg] + f.s[seg] * (a - f.x[seg]);
          if (current < 0 || at[k] > at[current] || (at[k] == at[current] && slope[k] > slope[current])) {
            current = k;
          }
        }
      }
      if (current < 0) {
        throw new IllegalStateException("value functions leave a gap at " + a + ".." + b);
      }
      double from = a;
      out.add(a, at[current], slope[current]);
      while (true) {
        // the first steeper line to overtake the current one; at one point, the steepest of them
        int next = -1;
        double cross = b;
        for (int k = 0; k < n; k++) {
          if (active[k] && slope[k] > slope[current]) {
            double xk = Math.max(from, a + (at[current] - at[k]) / (slope[k] - slope[current]));
            if (xk < b - EPS_X && (next < 0 || xk < cross - EPS_X
                || (xk <= cross + EPS_X && slope[k] > slope[next]))) {
              cross = next < 0 || xk < cross - EPS_X ? xk : Math.min(cross, xk);
              next = k;
            }
          }
        }
        if (next < 0) {
          break;
        }
        out.add(cross, at[current] + slope[current] * (cross - a), slope[next]);
        current = next;
        from = cross;
      }
      if (c + 2 == cuts.length) {
        out.add(b, at[current] + slope[current] * (b - a), 0);
      }
    }
    return out.toFunction();
  }

  /** The pointwise minimum, as the negated maximum of the negated functions. */
  static PiecewiseLinear lowerEnvelope(List<PiecewiseLinear> functions) {
    List<PiecewiseLinear> negated = new ArrayList<>(functions.size());
    for (PiecewiseLinear f : functions) {
      negated.add(f.negate());
    }
    return upperEnvelope(negated).negate();
  }

  /** The least concave function above this one (its upper convex hull), same domain. */
  PiecewiseLinear concaveHull() {
    if (isConcave()) {
      return this;
    }
    int n = x.length;
    int[] hull = new int[n];
    int size = 0;
    for (int i = 0; i < n; i++) {
      while (size >= 2 && cross(hull[size - 2], hull[size - 1], i) >= 0) {
        size--;
      }
      hull[size++] = i;
    }
    double[] hx = new double[size];
    double[] hv = new double[size];
    double[] hs = new double[size - 1];
    for (int i = 0; i < size; i++) {
      hx[i] = x[hull[i]];
      hv[i] = v[hull[i]];
    }
    for (int i = 0; i + 1 < size; i++) {
      hs[i] = (hv[i + 1] - hv[i]) / (hx[i + 1] - hx[i]);
    }
    return new PiecewiseLinear(hx, hv, hs);
  }

  /** > 0 when the turn a, b, c is clockwise-free (b below the chord ac means b is not on the hull). */
  private double cross(int a, int b, int c) {
    return (x[b] - x[a]) * (v[c] - v[a]) - (v[b] - v[a]) * (x[c] - x[a]);
  }

  private static double[] breakpoints(List<PiecewiseLinear> functions) {
    int total = 0;
    for (PiecewiseLinear f : functions) {
      total += f.x.length;
    }
    double[] all = new double[total];
    int k = 0;
    for (PiecewiseLinear f : functions) {
      System.arraycopy(f.x, 0, all, k, f.x.length);
      k += f.x.length;
    }
    Arrays.sort(all);
    int unique = 0;
    for (int i = 0; i < total; i++) {
      if (unique == 0 || all[i] - all[unique - 1] > EPS_X) {
        all[unique++] = all[i];
      }
    }
    return Arrays.copyOf(all, unique);
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("PL[");
    for (int i = 0; i < x.length; i++) {
      text.append(i == 0 ? "" : ", ").append('(').append(x[i]).append(", ").append(v[i]).append(')');
    }
    return text.append(']').toString();
  }

  /** Builds a function point by point, merging collinear segments and dropping ones shorter than EPS_X. */
  private static final class Points {
    private double[] x;
    private double[] v;
    private double[] s; // slope of the segment that starts at the point
    private int size;

    Points(int capacity) {
      x = new double[capacity];
      v = new double[capacity];
      s = new double[capacity];
    }

    void add(double px, double pv, double slopeAfter) {
      if (size > 0 && px - x[size - 1] <= EPS_X) {
        // the same point: keep the higher value (continuity makes them equal up to rounding)
        v[size - 1] = Math.max(v[size - 1], pv);
        s[size - 1] = slopeAfter;
        return;
      }
      if (size >= 2 && s[size - 2] == s[size - 1]) {
        x[size - 1] = px; // the last point was inside one line: move it
        v[size - 1] = pv;
        s[size - 1] = slopeAfter;
        return;
      }
      if (size == x.length) {
        x = Arrays.copyOf(x, size * 2);
        v = Arrays.copyOf(v, size * 2);
        s = Arrays.copyOf(s, size * 2);
      }
      x[size] = px;
      v[size] = pv;
      s[size] = slopeAfter;
      size++;
    }

    PiecewiseLinear toFunction() {
      return new PiecewiseLinear(Arrays.copyOf(x, size), Arrays.copyOf(v, size), Arrays.copyOf(s, Math.max(size - 1, 0)));
    }
  }
}
