package io.nattery.cloud.prices;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The bidding zones of the European day-ahead market coupling (the EU's, Norway's and Switzerland's) with the EIC
 * code that ENTSO-E's {@code in_Domain}/{@code out_Domain} name them by. The zone code is what
 * {@code PriceCurve.zone} and the topic {@code prices/{zone}/day-ahead} carry.
 */
public final class BiddingZones {

  private static final Map<String, String> EIC_BY_ZONE = new LinkedHashMap<>();
  private static final Map<String, String> ZONE_BY_EIC = new LinkedHashMap<>();

  static {
    zone("AT", "10YAT-APG------L");
    zone("BE", "10YBE----------2");
    zone("BG", "10YCA-BULGARIA-R");
    zone("CH", "10YCH-SWISSGRIDZ");
    zone("CZ", "10YCZ-CEPS-----N");
    zone("DE_LU", "10Y1001A1001A82H");
    zone("DK_1", "10YDK-1--------W");
    zone("DK_2", "10YDK-2--------M");
    zone("EE", "10Y1001A1001A39I");
    zone("ES", "10YES-REE------0");
    zone("FI", "10YFI-1--------U");
    zone("FR", "10YFR-RTE------C");
    zone("GR", "10YGR-HTSO-----Y");
    zone("HR", "10YHR-HEP------M");
    zone("HU", "10YHU-MAVIR----U");
    zone("IE_SEM", "10Y1001A1001A59C");
    zone("IT_NORD", "10Y1001A1001A73I");
    zone("IT_CNOR", "10Y1001A1001A70O");
    zone("IT_CSUD", "10Y1001A1001A71M");
    zone("IT_SUD", "10Y1001A1001A788");
    zone("IT_CALA", "10Y1001C--00096J");
    zone("IT_SICI", "10Y1001A1001A75E");
    zone("IT_SARD", "10Y1001A1001A74G");
    zone("LT", "10YLT-1001A0008Q");
    zone("LV", "10YLV-1001A00074");
    zone("NL", "10YNL----------L");
    zone("NO_1", "10YNO-1--------2");
    zone("NO_2", "10YNO-2--------T");
    zone("NO_3", "10YNO-3--------J");
    zone("NO_4", "10YNO-4--------9");
    zone("NO_5", "10Y1001A1001A48H");
    zone("PL", "10YPL-AREA-----S");
    zone("PT", "10YPT-REN------W");
    zone("RO", "10YRO-TEL------P");
    zone("SE_1", "10Y1001A1001A44P");
    zone("SE_2", "10Y1001A1001A45N");
    zone("SE_3", "10Y1001A1001A46L");
    zone("SE_4", "10Y1001A1001A47J");
    zone("SI", "10YSI-ELES-----O");
    zone("SK", "10YSK-SEPS-----K");
  }

  private BiddingZones() {
  }

  private static void zone(String code, String eic) {
    EIC_BY_ZONE.put(code, eic);
    ZONE_BY_EIC.put(eic, code);
  }

  /** The EIC code of a zone, empty for a zone not in the table. */
  public static Optional<String> eic(String zone) {
    return Optional.ofNullable(EIC_BY_ZONE.get(zone));
  }

  /** The zone an EIC code names, empty for a code not in the table. */
  public static Optional<String> zone(String eic) {
    return Optional.ofNullable(ZONE_BY_EIC.get(eic));
  }

  public static boolean isKnown(String zone) {
    return zone != null && EIC_BY_ZONE.containsKey(zone);
  }

  /** Every zone code, in the table's order. */
  public static Set<String> zones() {
    return Collections.unmodifiableSet(EIC_BY_ZONE.keySet());
  }
}
