"""The one reader of rendered policy XML: the document (`document`) and its token validators
(`validators`), shared by check-token, which refuses what it cannot evaluate, and diff, which has to
describe whatever it is given."""
