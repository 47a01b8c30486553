-- Day-ahead prices: one row per zone and MTU holding the latest revision of its price.
CREATE TABLE prices (
  zone          text NOT NULL,
  mtu_start     timestamptz NOT NULL,
  mtu_end       timestamptz NOT NULL,
  delivery_day  date NOT NULL,              -- the calendar day in Europe/Brussels
  price_eur_mwh double precision NOT NULL,
  source        text NOT NULL,
  revision      int NOT NULL DEFAULT 1,
  fetched_at    timestamptz NOT NULL,
  PRIMARY KEY (zone, mtu_start),
  CHECK (mtu_end > mtu_start)
);
CREATE INDEX prices_zone_day ON prices (zone, delivery_day);

-- Every value a price row held before a later document revised it.
CREATE TABLE price_revisions (
  zone          text NOT NULL,
  mtu_start     timestamptz NOT NULL,
  revision      int NOT NULL,
  mtu_end       timestamptz NOT NULL,
  delivery_day  date NOT NULL,
  price_eur_mwh double precision NOT NULL,
  source        text NOT NULL,
  fetched_at    timestamptz NOT NULL,
  superseded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (zone, mtu_start, revision)
);

-- A zone whose prices are stale: tomorrow's were still missing at the fetcher's deadline. Kept here, not in the
-- fetcher's memory, so that every node answers the same and the alert survives the fetcher moving to another node.
CREATE TABLE price_zone_status (
  zone         text PRIMARY KEY,
  stale        boolean NOT NULL DEFAULT false,
  missing_day  date,                        -- the delivery day that was missing at the deadline
  stale_since  timestamptz,
  updated_at   timestamptz NOT NULL DEFAULT now()
);
