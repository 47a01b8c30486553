package io.nattery.cloud.prices;

import io.nattery.protocol.Contract;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BiddingZonesTest {

  @Test
  void zonesAndEicCodesLookEachOtherUp() {
    assertEquals(Optional.of("10Y1001A1001A82H"), BiddingZones.eic("DE_LU"));
    assertEquals(Optional.of("DE_LU"), BiddingZones.zone("10Y1001A1001A82H"));
    assertEquals(Optional.of("SE_4"), BiddingZones.zone("10Y1001A1001A47J"));
    assertEquals(Optional.of("10YNO-2--------T"), BiddingZones.eic("NO_2"));
    assertEquals(Optional.of("10Y1001A1001A73I"), BiddingZones.eic("IT_NORD"));
  }

  @Test
  void unknownZonesAndCodesAreEmpty() {
    assertEquals(Optional.empty(), BiddingZones.eic("DE"));
    assertEquals(Optional.empty(), BiddingZones.zone("10YGB----------A"));
    assertFalse(BiddingZones.isKnown(null));
    assertFalse(BiddingZones.isKnown("de_lu"));
  }

  @Test
  void everyZoneIsAValidTopicLevelAndEveryCodeIsUnique() {
    Set<String> codes = new HashSet<>();
    for (String zone : BiddingZones.zones()) {
      assertTrue(Contract.isValidZone(zone), zone);
      String eic = BiddingZones.eic(zone).orElseThrow();
      assertEquals(16, eic.length(), zone + " " + eic);
      assertTrue(codes.add(eic), "duplicate EIC " + eic);
      assertEquals(Optional.of(zone), BiddingZones.zone(eic));
    }
    assertTrue(BiddingZones.zones().containsAll(Set.of("DE_LU", "AT", "FR", "NL", "BE", "PL", "DK_1", "DK_2",
      "SE_1", "SE_2", "SE_3", "SE_4", "NO_1", "NO_2", "NO_3", "NO_4", "NO_5", "IT_NORD")));
  }
}
