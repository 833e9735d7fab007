"""Credit control: credit limits and their history, exposure, credit holds (manual, by
policy and by rule) and suggested limits from payment history.
"""
