"""A variant whose noise raises (a user's bug): must be exit 2 naming the variant, never a traceback."""

from mus_verify.variants import IntVector


class Raises:
    name = "raises"

    def symbols(self, params):
        return {"seed_vector": IntVector(params.n, 0, params.q - 1)}

    def noise(self, ops, params, sym):
        table = {}
        return table["missing"]  # KeyError: 'missing'


class Exits:
    name = "exits"

    def noise(self, ops, params, sym):
        import sys

        sys.exit(0)


VARIANT = Raises()
EXITS = Exits()
