package io.nattery.cloud.trading;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The value-function algebra against brute force on random functions. */
class PiecewiseLinearTest {

  private final Random random = new Random(11);

  private PiecewiseLinear randomFunction(boolean concave) {
    int segments = 1 + random.nextInt(5);
    double[] lengths = new double[segments];
    double[] slopes = new double[segments];
    for (int i = 0; i < segments; i++) {
      lengths[i] = 0.1 + random.nextDouble() * 3;
      slopes[i] = -5 + random.nextDouble() * 10;
    }
    if (concave) {
      Arrays.sort(slopes);
      for (int i = 0; i < segments / 2; i++) {
        double swap = slopes[i];
        slopes[i] = slopes[segments - 1 - i];
        slopes[segments - 1 - i] = swap;
      }
    }
    return PiecewiseLinear.of(-5 + random.nextDouble() * 10, random.nextGaussian() * 3, lengths, slopes, segments);
  }

  @Test
  void supConvolutionIsTheBestSplit() {
    for (int n = 0; n < 200; n++) {
      PiecewiseLinear f = randomFunction(true);
      PiecewiseLinear g = randomFunction(true);

      PiecewiseLinear h = PiecewiseLinear.supConvolution(f, g);

      assertEquals(f.start() + g.start(), h.start(), 1e-9);
      assertEquals(f.end() + g.end(), h.end(), 1e-9);
      assertTrue(h.isConcave());
      for (int k = 0; k <= 50; k++) {
        double z = h.start() + (h.end() - h.start()) * k / 50;
        double best = Double.NEGATIVE_INFINITY;
        // every breakpoint of f or of g is a candidate for the optimal split, so this is exact
        for (double a : candidates(f, g, z)) {
          best = Math.max(best, f.value(a) + g.value(z - a));
        }
        assertEquals(best, h.value(z), 1e-9, "at " + z);
      }
    }
  }

  private static List<Double> candidates(PiecewiseLinear f, PiecewiseLinear g, double z) {
    List<Double> points = new ArrayList<>();
    for (double x : f.x) {
      points.add(x);
    }
    for (double x : g.x) {
      points.add(z - x);
    }
    points.removeIf(a -> a < f.start() - 1e-12 || a > f.end() + 1e-12 || z - a < g.start() - 1e-12
        || z - a > g.end() + 1e-12);
    return points;
  }

  @Test
  void upperEnvelopeIsThePointwiseMaximum() {
    for (int n = 0; n < 200; n++) {
      // functions over one shared interval, plus one that covers only a part of it
      PiecewiseLinear base = randomFunction(false);
      List<PiecewiseLinear> functions = new ArrayList<>(List.of(base));
      for (int k = 0; k < 3; k++) {
        PiecewiseLinear other = randomFunction(random.nextBoolean());
        PiecewiseLinear inside = other.clip(base.start(), base.end());
        if (inside != null && inside.segments() > 0) {
          functions.add(inside);
        }
      }

      PiecewiseLinear envelope = PiecewiseLinear.upperEnvelope(functions);

      assertEquals(base.start(), envelope.start(), 1e-9);
      assertEquals(base.end(), envelope.end(), 1e-9);
      for (int k = 0; k <= 400; k++) {
        double x = Math.min(base.end(), base.start() + (base.end() - base.start()) * k / 400);
        if (atTheEndOfAPart(functions, x)) {
          continue; // a part that ends inside may jump there; the optimiser's maxima are continuous
        }
        double best = Double.NEGATIVE_INFINITY;
        for (PiecewiseLinear f : functions) {
          if (x >= f.start() && x <= f.end()) {
            best = Math.max(best, f.value(x));
          }
        }
        assertEquals(best, envelope.value(x), 1e-9, "at " + x + " of " + functions);
      }
    }
  }

  private static boolean atTheEndOfAPart(List<PiecewiseLinear> functions, double x) {
    for (PiecewiseLinear f : functions.subList(1, functions.size())) {
      if (Math.abs(x - f.start()) < 1e-9 || Math.abs(x - f.end()) < 1e-9) {
        return true;
      }
    }
    return false;
  }

  @Test
  void concaveHullIsTheLeastConcaveMajorant() {
    for (int n = 0; n < 200; n++) {
      PiecewiseLinear f = randomFunction(false);

      PiecewiseLinear hull = f.concaveHull();

      assertTrue(hull.isConcave());
      for (int i = 0; i < f.x.length; i++) {
        assertTrue(hull.value(f.x[i]) >= f.v[i] - 1e-9);
      }
      for (int i = 0; i < hull.x.length; i++) {
        assertEquals(f.value(hull.x[i]), hull.v[i], 1e-9, "the hull touches f at its corners");
      }
    }
  }

  @Test
  void concavePiecesSplitAtRisingSlopes() {
    PiecewiseLinear f = PiecewiseLinear.of(0, 0, new double[] {1, 1, 1, 1}, new double[] {2, 1, 3, -1}, 4);

    List<PiecewiseLinear> pieces = f.concavePieces();

    assertEquals(2, pieces.size());
    assertEquals(2, pieces.get(0).end(), 1e-12);
    assertEquals(2, pieces.get(1).start(), 1e-12);
    assertEquals(f.value(2), pieces.get(1).value(2), 1e-12);
  }

  @Test
  void clipKeepsValuesAndSnapsRoundingAtTheEnds() {
    PiecewiseLinear f = PiecewiseLinear.of(0, 1, new double[] {2, 2}, new double[] {1, -1}, 2);

    PiecewiseLinear middle = f.clip(1, 3);
    PiecewiseLinear touching = f.clip(4 + 1e-12, 10);

    assertEquals(1, middle.start(), 1e-12);
    assertEquals(3, middle.end(), 1e-12);
    assertEquals(f.value(2.5), middle.value(2.5), 1e-12);
    assertEquals(4, touching.start(), 1e-12);
    assertEquals(0, touching.segments());
    assertEquals(null, f.clip(5, 10));
  }
}
