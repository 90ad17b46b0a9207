-- Marketing renamed the top plan.
UPDATE billing.plan SET name = 'Business Plus' WHERE code = 'business';
