-- Indexes that no plan can misuse, whatever the table sizes when the plan was made.
--
-- 1. The product-class search index must never serve the Inform batch's identity join.
--
-- The batch writer's plans are generic and made on its first batch: on a fresh installation, while
-- devices is still empty, the planner could not tell devices_product_class (one product class may
-- be the whole fleet) from devices_identity for the join on (oui, product_class, serial_number),
-- picked the smaller index, and kept the plan while the fleet grew: every written device then read
-- every device of its product class (1.1 s per 400-device batch at 10,000 devices, acsd_bench;
-- tests/db/inventory_pgtest.cpp IdentityProbesStaySelectiveAsTheFleetGrowsFromEmpty).
--
-- A join clause cannot prove the partial predicate below, so the join cannot use this index; a
-- search for a product class (a constant, planned per execution) can. Devices without a product
-- class are found by a scan, as before (the identity index leads with oui).
--
-- Rule for later migrations: no index whose leading column is oui or product_class alone may be
-- usable by that join.
--
-- An older acsd reads nothing that changes. The migration runs in one transaction, so inserts and
-- updates of devices wait while the index is built (about a second per million devices).
DROP INDEX devices_product_class;
CREATE INDEX devices_product_class ON devices (product_class) WHERE product_class <> '';

-- 2. A device's tasks by state: a session's statements (the claim of queued tasks, the running
-- tasks it settles, SettleByKey) read only that device's tasks in that state. With tasks_device on
-- (device_id, id) the planner could, and did, walk the device's whole history (done, cancelled ...)
-- for them (tests/db/task_store_pgtest.cpp SessionStatementsStaySelectiveAsTheQueueGrowsFromEmpty).
-- Listing a device's tasks of every state reads its index range and sorts it (a device's history,
-- not the fleet's).
DROP INDEX tasks_device;
CREATE INDEX tasks_device ON tasks (device_id, state, id);
