-- Quantities become numbers, so stock can be summed. A value that is not a whole number the
-- column can hold (a note, an empty cell, a figure too large) becomes NULL: unknown stock.
ALTER TABLE inventory_items ALTER COLUMN quantity TYPE integer USING (
    CASE WHEN quantity ~ '^\s*[+-]?[0-9]{1,9}\s*$' THEN quantity::integer END
);
