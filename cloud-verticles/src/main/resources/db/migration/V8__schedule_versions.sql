-- Each device's last schedule version, apart from its row in devices. Taking a version used to lock the device
-- row, which the registry's periodic last_seen batch also writes for every device heard from: each schedule
-- posted while that batch ran waited for it. A row here is locked only by versions being taken.
CREATE TABLE schedule_versions (
  device_id text PRIMARY KEY REFERENCES devices (device_id) ON DELETE CASCADE,
  version bigint NOT NULL CHECK (version > 0)
);

INSERT INTO schedule_versions (device_id, version)
SELECT device_id, schedule_version FROM devices WHERE schedule_version > 0;

ALTER TABLE devices DROP COLUMN schedule_version;
