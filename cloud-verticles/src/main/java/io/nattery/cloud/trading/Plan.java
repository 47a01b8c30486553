package io.nattery.cloud.trading;

public record Plan(double[] powerKw, double[] energyKwh, double valueEur, double upperBoundEur, boolean optimal,
    long solveNanos) {
}
