"""Back to the books: files of what Recoup recorded (payments, allocations, charges,
credit notes, write-offs) in the import formats of Xero, QuickBooks Online and CSV."""
