package io.nattery.edge.simulator;

import java.time.DayOfWeek;
import java.time.ZonedDateTime;
import java.util.SplittableRandom;

/**
 * PV production and house load of one simulated site, in W. Seeded per device, so N sites differ but a
 * given device replays the same weather. PV: a bell over the daylight hours of the simulated local day
 * (day length and height from the season, solar noon from the zone's offset at about 10 degrees east), dimmed by
 * clouds that drift towards a per-day cloudiness. Load: base load, morning and evening peaks (later at
 * weekends), noise, and now and then an appliance of a few kW for a few minutes. Not thread-safe: one
 * simulator tick at a time.
 */
final class SiteProfile {
  private static final double LONGITUDE_DEG = 10.0;

  private final long seed;
  private final SplittableRandom random;
  private final double pvPeakW;
  private final double noonShiftH;
  private final double baseLoadW;
  private final double morningPeakW;
  private final double eveningPeakW;
  private double cloud;
  private long cloudDay = Long.MIN_VALUE;
  private double dayCloudiness;
  private double loadNoiseW;
  private double applianceW;
  private double applianceLeftS;

  SiteProfile(long seed) {
    this.seed = seed;
    this.random = new SplittableRandom(seed);
    this.pvPeakW = 3000 + random.nextDouble() * 3000;
    this.noonShiftH = (random.nextDouble() - 0.5) * 0.4;
    this.baseLoadW = 200 + random.nextDouble() * 250;
    this.morningPeakW = 400 + random.nextDouble() * 600;
    this.eveningPeakW = 800 + random.nextDouble() * 1000;
    this.cloud = random.nextDouble() * 0.5;
  }

  double pvPeakW() {
    return pvPeakW;
  }

  double pvW(ZonedDateTime local, double dtSeconds) {
    driftClouds(local, dtSeconds);
    double season = Math.sin(2 * Math.PI * (local.getDayOfYear() - 80) / 365.0);
    double dayLengthH = 12 + 4.2 * season;
    double offsetH = local.getOffset().getTotalSeconds() / 3600.0;
    double solarNoonH = 12 + offsetH - LONGITUDE_DEG / 15 + noonShiftH;
    double sunriseH = solarNoonH - dayLengthH / 2;
    double x = (hourOfDay(local) - sunriseH) / dayLengthH;
    if (x <= 0 || x >= 1) {
      return 0;
    }
    double clearSky = pvPeakW * (0.6 + 0.4 * season) * Math.pow(Math.sin(Math.PI * x), 1.3);
    double w = clearSky * (1 - 0.75 * cloud) * (1 + 0.02 * random.nextGaussian());
    return Math.max(0, w);
  }

  double loadW(ZonedDateTime local, double dtSeconds) {
    double h = hourOfDay(local);
    boolean weekend = local.getDayOfWeek() == DayOfWeek.SATURDAY || local.getDayOfWeek() == DayOfWeek.SUNDAY;
    double morning = morningPeakW * bump(h, weekend ? 8.5 : 7.0, 0.8);
    double midday = 0.3 * morningPeakW * bump(h, 12.5, 1.0);
    double evening = eveningPeakW * bump(h, 19.0, 1.5);
    // mean-reverting noise, so the load wanders instead of jumping every second
    double keep = Math.exp(-dtSeconds / 300);
    loadNoiseW = loadNoiseW * keep + 60 * Math.sqrt(1 - keep * keep) * random.nextGaussian();
    applianceLeftS -= dtSeconds;
    if (applianceLeftS <= 0) {
      applianceW = 0;
      if (random.nextDouble() < 1 - Math.exp(-dtSeconds / 5400)) {
        applianceW = 1500 + random.nextDouble() * 1500;
        applianceLeftS = 120 + random.nextDouble() * 780;
      }
    }
    return Math.max(50, baseLoadW + morning + midday + evening + loadNoiseW + applianceW);
  }

  private void driftClouds(ZonedDateTime local, double dtSeconds) {
    long day = local.toLocalDate().toEpochDay();
    if (day != cloudDay) {
      cloudDay = day;
      // per-day weather from the device seed and the date, so a restarted simulator sees the same day
      double u = new SplittableRandom(seed ^ (day * 0x9E3779B97F4A7C15L)).nextDouble();
      dayCloudiness = 0.9 * u * u;
    }
    double pull = 1 - Math.exp(-dtSeconds / 1200);
    cloud += (dayCloudiness - cloud) * pull + 0.05 * Math.sqrt(dtSeconds / 60) * random.nextGaussian();
    cloud = Math.min(1, Math.max(0, cloud));
  }

  private static double bump(double h, double centreH, double widthH) {
    double z = (h - centreH) / widthH;
    return Math.exp(-0.5 * z * z);
  }

  private static double hourOfDay(ZonedDateTime local) {
    return local.getHour() + local.getMinute() / 60.0 + local.getSecond() / 3600.0;
  }
}
