-- Lists a customer's open orders fast.
CREATE INDEX orders_open_by_customer ON orders (customer_id) WHERE status IN ('pending', 'paid');
