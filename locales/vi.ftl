# Messages with a count, in Project Fluent syntax. Vietnamese has one plural form (CLDR: other),
# so no selector is needed. Plain texts stay in vi.json.
working-days = { $count } ngày làm việc
working-hours = { $count } giờ làm việc
hours-left = còn { $count } giờ làm việc
hours-late = quá hạn { $count } giờ làm việc
procedures = { $count } thủ tục
my-delete-files = { $count } tệp đã tải lên cũng bị xóa theo.
seconds = { $count } giây
