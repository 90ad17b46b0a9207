ALTER TABLE inventory_items ALTER COLUMN quantity TYPE text;
