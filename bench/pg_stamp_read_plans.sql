-- Why the stamp reader's lookups on PostgreSQL are planned with their values every time
-- (`plan_cache_mode = force_custom_plan` on their own pool, src/db.rs; bench/RESULTS.md,
-- issue 22, eighth step). Synthetic tables of the shapes of `stamps` and `stamp_scans`; run on an
-- empty database:  psql postgres://postgres@127.0.0.1:5432/planprobe -f bench/pg_stamp_read_plans.sql
-- It prints plans, not timings to quote: the point is which plan a prepared statement keeps.
CREATE TABLE stamps (serial varchar(16) PRIMARY KEY, batch_id uuid NOT NULL, run_id uuid NOT NULL, prev_hash bytea, claimed_at timestamptz);
INSERT INTO stamps SELECT lpad(to_hex(g), 16, '0'), '00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000002', sha256(g::text::bytea), NULL FROM generate_series(1, 2000000) g;
ANALYZE stamps;
-- stamp_scans as a new database has it early in a first pass: made empty by migration 37, a
-- few hundred rows from the scan writer's first commits, analysed by autovacuum (which does so
-- after 50 rows); autovacuum off here to hold it so, as it is between two analyses while the
-- first pass fills it.
CREATE TABLE stamp_scans (serial varchar(16) NOT NULL PRIMARY KEY REFERENCES stamps(serial), batch_id uuid NOT NULL, scan_count bigint NOT NULL, first_scanned_at timestamptz NOT NULL, recent text NOT NULL) WITH (autovacuum_enabled = false);
INSERT INTO stamp_scans SELECT serial, batch_id, 1, now(), '' FROM stamps WHERE serial > lpad(to_hex(1000000), 16, '0') AND serial <= lpad(to_hex(1000300), 16, '0');
ANALYZE stamp_scans;
-- sqlx prepares each statement once a connection; after five runs PostgreSQL keeps a generic
-- plan when it costs no more than the custom ones did (plan_cache_mode = auto), which on an
-- empty table it does. Forced here to show the plan it keeps. 32 serials, as under load.
SET plan_cache_mode = force_generic_plan;
PREPARE joined(text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text) AS SELECT * FROM stamps s LEFT JOIN stamp_scans c ON c.serial = s.serial WHERE s.serial IN ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,$31,$32);
PREPARE counters(text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text,text) AS SELECT * FROM stamp_scans c WHERE c.serial IN ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,$31,$32);
\echo '--- generic plans while stamp_scans holds 300 rows'
EXPLAIN EXECUTE joined('0000000000000001','0000000000000002','0000000000000003','0000000000000004','0000000000000005','0000000000000006','0000000000000007','0000000000000008','0000000000000009','000000000000000a','000000000000000b','000000000000000c','000000000000000d','000000000000000e','000000000000000f','0000000000000010','0000000000000011','0000000000000012','0000000000000013','0000000000000014','0000000000000015','0000000000000016','0000000000000017','0000000000000018','0000000000000019','000000000000001a','000000000000001b','000000000000001c','000000000000001d','000000000000001e','000000000000001f','0000000000000020');
EXPLAIN EXECUTE counters('0000000000000001','0000000000000002','0000000000000003','0000000000000004','0000000000000005','0000000000000006','0000000000000007','0000000000000008','0000000000000009','000000000000000a','000000000000000b','000000000000000c','000000000000000d','000000000000000e','000000000000000f','0000000000000010','0000000000000011','0000000000000012','0000000000000013','0000000000000014','0000000000000015','0000000000000016','0000000000000017','0000000000000018','0000000000000019','000000000000001a','000000000000001b','000000000000001c','000000000000001d','000000000000001e','000000000000001f','0000000000000020');
-- A first pass adds a row a stamp; until the plans are invalidated, the kept ones run.
INSERT INTO stamp_scans SELECT serial, batch_id, 1, now(), '' FROM stamps WHERE serial > lpad(to_hex(1000), 16, '0') AND serial <= lpad(to_hex(401000), 16, '0');
\echo '--- the same generic plans after stamp_scans grew to 400,000 rows'
EXPLAIN ANALYZE EXECUTE joined('0000000000000001','0000000000000002','0000000000000003','0000000000000004','0000000000000005','0000000000000006','0000000000000007','0000000000000008','0000000000000009','000000000000000a','000000000000000b','000000000000000c','000000000000000d','000000000000000e','000000000000000f','0000000000000010','0000000000000011','0000000000000012','0000000000000013','0000000000000014','0000000000000015','0000000000000016','0000000000000017','0000000000000018','0000000000000019','000000000000001a','000000000000001b','000000000000001c','000000000000001d','000000000000001e','000000000000001f','0000000000000020');
EXPLAIN ANALYZE EXECUTE counters('0000000000000001','0000000000000002','0000000000000003','0000000000000004','0000000000000005','0000000000000006','0000000000000007','0000000000000008','0000000000000009','000000000000000a','000000000000000b','000000000000000c','000000000000000d','000000000000000e','000000000000000f','0000000000000010','0000000000000011','0000000000000012','0000000000000013','0000000000000014','0000000000000015','0000000000000016','0000000000000017','0000000000000018','0000000000000019','000000000000001a','000000000000001b','000000000000001c','000000000000001d','000000000000001e','000000000000001f','0000000000000020');
\echo '--- planned with the values (plan_cache_mode = force_custom_plan, the lookups pool)'
SET plan_cache_mode = force_custom_plan;
EXPLAIN ANALYZE EXECUTE joined('0000000000000001','0000000000000002','0000000000000003','0000000000000004','0000000000000005','0000000000000006','0000000000000007','0000000000000008','0000000000000009','000000000000000a','000000000000000b','000000000000000c','000000000000000d','000000000000000e','000000000000000f','0000000000000010','0000000000000011','0000000000000012','0000000000000013','0000000000000014','0000000000000015','0000000000000016','0000000000000017','0000000000000018','0000000000000019','000000000000001a','000000000000001b','000000000000001c','000000000000001d','000000000000001e','000000000000001f','0000000000000020');
