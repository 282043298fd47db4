-- Why the stamp reads on PostgreSQL are two IN lookups, not a LEFT JOIN (bench/RESULTS.md,
-- issue 22, sixth step). Synthetic tables of the same shape as `stamps` and `stamp_scans`;
-- run on an empty database:  psql postgres://postgres@127.0.0.1:5432/planprobe -f bench/pg_stamp_read_plans.sql
-- It prints plans, not timings to quote: the point is which plan a prepared statement keeps.
CREATE TABLE stamps (serial varchar(16) PRIMARY KEY, batch_id uuid NOT NULL, run_id uuid NOT NULL, prev_hash bytea, claimed_at timestamptz);
INSERT INTO stamps SELECT lpad(to_hex(g), 16, '0'), '00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000002', sha256(g::text::bytea), NULL FROM generate_series(1, 2000000) g;
ANALYZE stamps;
-- stamp_scans as the scan writer fills it: small when the service starts, analysed then.
CREATE TABLE stamp_scans (serial varchar(16) NOT NULL PRIMARY KEY REFERENCES stamps(serial), batch_id uuid NOT NULL, scan_count bigint NOT NULL, first_scanned_at timestamptz NOT NULL, recent text NOT NULL) WITH (autovacuum_enabled = false);
INSERT INTO stamp_scans SELECT serial, batch_id, 1, now(), '' FROM stamps WHERE serial < lpad(to_hex(2000), 16, '0');
ANALYZE stamp_scans;
-- sqlx prepares each statement once per connection; after five runs PostgreSQL may keep a
-- generic plan (plan_cache_mode = auto). Forced here to show the plan it would keep.
SET plan_cache_mode = force_generic_plan;
PREPARE joined(text,text,text,text,text,text,text,text) AS SELECT * FROM stamps s LEFT JOIN stamp_scans c ON c.serial = s.serial WHERE s.serial IN ($1,$2,$3,$4,$5,$6,$7,$8);
PREPARE counters(text,text,text,text,text,text,text,text) AS SELECT * FROM stamp_scans c WHERE c.serial IN ($1,$2,$3,$4,$5,$6,$7,$8);
\echo '--- generic plans while stamp_scans holds 2,000 rows'
EXPLAIN EXECUTE joined('0000000000000001','0000000000000002','0000000000000003','0000000000000004','0000000000000005','0000000000000006','0000000000000007','0000000000000008');
EXPLAIN EXECUTE counters('0000000000000001','0000000000000002','0000000000000003','0000000000000004','0000000000000005','0000000000000006','0000000000000007','0000000000000008');
-- The scans of a first pass add a row per stamp; before the next analyse, the kept plans run.
INSERT INTO stamp_scans SELECT serial, batch_id, 1, now(), '' FROM stamps WHERE serial >= lpad(to_hex(2000), 16, '0') AND serial < lpad(to_hex(400000), 16, '0');
\echo '--- the same prepared statements after stamp_scans grew to 400,000 rows'
EXPLAIN ANALYZE EXECUTE joined('0000000000000001','0000000000000002','0000000000000003','0000000000000004','0000000000000005','0000000000000006','0000000000000007','0000000000000008');
EXPLAIN ANALYZE EXECUTE counters('0000000000000001','0000000000000002','0000000000000003','0000000000000004','0000000000000005','0000000000000006','0000000000000007','0000000000000008');
