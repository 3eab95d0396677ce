-- The workload of bench/pg_to_pg.sh and bench/kafka.sh: CALL bench_load(client, n) commits
-- transactions of 1-100 row changes (half inserts, 35% updates, 15% deletes, over t1, t2
-- and t3) until n rows have changed, on a key range of the client's own. Changes are counted by
-- rows affected (an update or delete of an already deleted key changes nothing), so the total is
-- exact.
CREATE PROCEDURE bench_load(client int, target int) LANGUAGE plpgsql AS $$
DECLARE
  base bigint := client::bigint * 1000000000;
  last bigint[] := ARRAY[0, 0, 0];  -- highest key inserted per table
  done int := 0;
  tx int;
  n int;
  t int;
  op float8;
  key bigint;
  rc int;
BEGIN
  WHILE done < target LOOP
    tx := least(1 + floor(random() * 100)::int, target - done);
    n := 0;
    WHILE n < tx LOOP
      t := 1 + floor(random() * 3)::int;
      op := random();
      IF op < 0.5 OR last[t] < 20 THEN  -- insert
        last[t] := last[t] + 1;
        key := base + last[t];
        IF t = 1 THEN
          INSERT INTO t1 VALUES (key, (random() * 1e6)::int,
                                 CASE WHEN random() < 0.1 THEN NULL ELSE md5(key::text) END,
                                 now() + random() * interval '30 days');
        ELSIF t = 2 THEN
          INSERT INTO t2 VALUES (key, round((random() * 1e6)::numeric, 2), 'name ' || key,
                                 random() < 0.5);
        ELSE
          INSERT INTO t3 VALUES (key, (key % 7)::int, random() * 1000, repeat('x', (key % 40)::int));
        END IF;
      ELSE
        key := base + 1 + floor(random() * last[t])::bigint;
        IF op < 0.85 THEN  -- update
          IF t = 1 THEN
            UPDATE t1 SET a = a + 1, b = CASE WHEN random() < 0.1 THEN NULL ELSE md5(random()::text) END,
                          c = clock_timestamp() WHERE id = key;
          ELSIF t = 2 THEN
            UPDATE t2 SET qty = round((random() * 1e6)::numeric, 2), flag = NOT flag WHERE id = key;
          ELSE
            UPDATE t3 SET d = random() * 1000, note = note || 'u' WHERE id = key AND k = key % 7;
          END IF;
        ELSE  -- delete
          IF t = 1 THEN
            DELETE FROM t1 WHERE id = key;
          ELSIF t = 2 THEN
            DELETE FROM t2 WHERE id = key;
          ELSE
            DELETE FROM t3 WHERE id = key AND k = key % 7;
          END IF;
        END IF;
      END IF;
      GET DIAGNOSTICS rc = ROW_COUNT;
      n := n + rc;
    END LOOP;
    COMMIT;
    done := done + n;
  END LOOP;
END $$;
