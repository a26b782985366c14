"""Fictional sample documents for unit tests (never real legal text).

"Quy chế mẫu" and its articles are invented; they only exercise the structure parser.
"""

from __future__ import annotations

from knowledge.activity import SavedItem


def sample_item(**overrides: object) -> SavedItem:
    """A stored answer item citing the fictional Quy chế mẫu (Khoản 1 Điều 2); tests override
    the fields they are about."""
    fields: dict[str, object] = dict(
        passage_id=1,
        unit_id=1,
        document_number="01/2099/QC-MAU",
        document_title="Quy chế mẫu",
        document_status="con-hieu-luc",
        document_kind="khac",
        unit_kind="dieu",
        unit_label="2",
        unit_title="Danh hiệu",
        clause="1",
        point=None,
        citation="Khoản 1 Điều 2 Quy chế mẫu số 01/2099/QC-MAU",
        text="1. Nội dung mẫu.",
    )
    fields.update(overrides)
    return SavedItem(**fields)  # type: ignore[arg-type]


QUY_CHE_MAU = """ỦY BAN MẪU
Số: 01/2099/QC-MAU

QUY CHẾ
Thi đua mẫu của Câu lạc bộ Cây cảnh

Chương I
QUY ĐỊNH CHUNG

Điều 1. Phạm vi áp dụng

Quy chế mẫu này áp dụng cho các thành viên câu lạc bộ cây cảnh tham gia phong trào chăm sóc bonsai.

Điều 2. Danh hiệu Người trồng cây giỏi

1. Danh hiệu Người trồng cây giỏi được xét mỗi mùa xuân cho thành viên đạt các tiêu chuẩn sau:

a) Chăm sóc ít nhất ba chậu bonsai sống khỏe qua mùa đông;

b) Hướng dẫn được một thành viên mới cách tưới nước đúng giờ.

2. Hồ sơ đề nghị danh hiệu Người trồng cây giỏi gồm ảnh chụp chậu cây và bản tự nhận xét.

Chương II
KHEN THƯỞNG

Điều 3. Kỷ niệm chương Lá vàng

Kỷ niệm chương Lá vàng tặng cho thành viên có mười năm gắn bó với câu lạc bộ cây cảnh.
"""

QUY_CHE_MAU_V2 = QUY_CHE_MAU.replace("ba chậu bonsai", "năm chậu bonsai")

GHI_CHU_MAU = """Ghi chú buổi sinh hoạt mẫu

Buổi sinh hoạt câu lạc bộ cây cảnh bàn cách cắt tỉa cành bonsai vào mùa thu cho đúng kỹ thuật.

Các thành viên thống nhất lịch tưới nước và phân công trông vườn ươm trong kỳ nghỉ hè sắp tới.
"""


# -- Documents of the shapes admins upload (issue 10); every name, number and rule is invented.

QUYET_DINH_QUY_CHE = """ỦY BAN NHÂN DÂN THÀNH PHỐ MẪU ĐƠN
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 21/2099/QĐ-UBND

Mẫu Đơn, ngày 05 tháng 3 năm 2099

QUYẾT ĐỊNH
Ban hành Quy chế thi đua, khen thưởng trong phong trào chăm sóc cây cảnh
của thành phố Mẫu Đơn

ỦY BAN NHÂN DÂN THÀNH PHỐ MẪU ĐƠN

Căn cứ Quy chế mẫu về cây cảnh số 01/2099/QC-MAU;

Theo đề nghị của Trưởng ban Cây cảnh thành phố.

QUYẾT ĐỊNH:

Điều 1. Ban hành kèm theo Quyết định này Quy chế thi đua, khen thưởng trong phong trào chăm sóc cây cảnh của thành phố Mẫu Đơn.

Điều 2. Quyết định này có hiệu lực kể từ ngày 20 tháng 3 năm 2099 và thay thế Quyết định số 7/2098/QĐ-UBND ngày 02 tháng 02 năm 2098 của Ủy ban nhân dân thành phố Mẫu Đơn.

Điều 3. Chánh Văn phòng Ủy ban nhân dân thành phố, Trưởng ban Cây cảnh và các vườn ươm có liên quan chịu trách nhiệm thi hành Quyết định này./.

Nơi nhận:
- Như Điều 3;
- Lưu: VT.

TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Nguyễn Văn Mẫu

QUY CHẾ
Thi đua, khen thưởng trong phong trào chăm sóc cây cảnh của thành phố Mẫu Đơn
(Ban hành kèm theo Quyết định số 21/2099/QĐ-UBND ngày 05 tháng 3 năm 2099 của Ủy ban nhân dân thành phố Mẫu Đơn)

Chương I
QUY ĐỊNH CHUNG

Điều 1. Phạm vi điều chỉnh

Quy chế này quy định việc thi đua, khen thưởng trong phong trào chăm sóc cây cảnh ở các vườn ươm của thành phố Mẫu Đơn.

Điều 2. Đối tượng áp dụng

Quy chế này áp dụng đối với các vườn ươm, câu lạc bộ bonsai và người trồng cây cảnh trên địa bàn thành phố.

Chương II
DANH HIỆU VÀ HÌNH THỨC KHEN THƯỞNG

Điều 3. Danh hiệu Vườn ươm xanh tiêu biểu

1. Danh hiệu Vườn ươm xanh tiêu biểu được xét tặng mỗi năm một lần cho vườn ươm đạt các tiêu chuẩn sau:

a) Giữ cho ít nhất chín mươi phần trăm số chậu cây sống khỏe qua mùa khô;

b) Tổ chức ít nhất hai buổi hướng dẫn cắt tỉa cho người dân.

2. Hồ sơ đề nghị danh hiệu Vườn ươm xanh tiêu biểu gồm báo cáo thành tích và ảnh chụp vườn ươm.

Điều 4. Mức thưởng

Vườn ươm được tặng danh hiệu Vườn ươm xanh tiêu biểu được thưởng một bộ kéo cắt tỉa bằng đồng.

Chương III
TỔ CHỨC THỰC HIỆN

Điều 5. Trách nhiệm thi hành

Ban Cây cảnh thành phố hướng dẫn, kiểm tra việc thực hiện Quy chế này.
"""

THONG_TU_PHU_LUC = """BỘ CÂY CẢNH
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 99/2099/TT-BCC

Hà Nội, ngày 10 tháng 10 năm 2099

THÔNG TƯ
Hướng dẫn khen thưởng trong ngành cây cảnh mẫu

Căn cứ Quy chế mẫu về cây cảnh số 01/2099/QC-MAU;

Bộ trưởng Bộ Cây cảnh ban hành Thông tư hướng dẫn khen thưởng trong ngành cây cảnh mẫu.

Chương I
QUY ĐỊNH CHUNG

Điều 1. Phạm vi điều chỉnh

Thông tư này hướng dẫn việc xét tặng Kỷ niệm chương Chồi non và Bằng khen của Bộ trưởng Bộ Cây cảnh cho người trồng cây cảnh mẫu.

Điều 2. Nguyên tắc xét tặng

1. Việc xét tặng bảo đảm công khai, đúng người trồng cây, đúng thành tích chăm sóc cây.

2. Mỗi thành tích chỉ được đề nghị một hình thức khen thưởng.

Chương II
HỒ SƠ VÀ THỦ TỤC

Điều 3. Hồ sơ đề nghị

1. Hồ sơ đề nghị xét tặng Kỷ niệm chương Chồi non gồm tờ trình theo Mẫu số 01 tại Phụ lục I, danh sách trích ngang theo Phụ lục III kèm theo Thông tư này và bản tóm tắt thành tích chăm sóc cây cảnh của từng người trồng cây, trong đó nêu rõ số chậu bonsai đã chăm sóc, số buổi hướng dẫn cắt tỉa đã tổ chức cho người dân, số cây giống đã ươm và trao tặng cho các trường học, thời gian tham gia câu lạc bộ cây cảnh ở xã, phường và những sáng kiến về tưới nước tiết kiệm đã được vườn ươm áp dụng; bản tóm tắt do thủ trưởng vườn ươm xác nhận, ghi rõ họ tên, chức vụ, đóng dấu và gửi kèm ảnh chụp những chậu cây tiêu biểu nhất trong năm.

2. Quyết định tặng Kỷ niệm chương Chồi non theo mẫu tại Phụ lục II kèm theo Thông tư này.

Điều 4. Thời hạn

Hồ sơ gửi về Bộ Cây cảnh trước ngày 15 tháng 11 hằng năm.

Chương III
ĐIỀU KHOẢN THI HÀNH

Điều 5. Hiệu lực thi hành

1. Thông tư này có hiệu lực thi hành từ ngày 01 tháng 12 năm 2099.

2. Thông tư số 12/2090/TT-BCC ngày 01 tháng 6 năm 2090 của Bộ trưởng Bộ Cây cảnh hết hiệu lực kể từ ngày Thông tư này có hiệu lực thi hành.

Nơi nhận:
- Các vườn ươm trực thuộc;
- Lưu: VT, Vụ Thi đua cây cảnh.

BỘ TRƯỞNG
Trần Văn Chồi

PHỤ LỤC I
MẪU TỜ TRÌNH ĐỀ NGHỊ KHEN THƯỞNG
(Kèm theo Thông tư số 99/2099/TT-BCC ngày 10 tháng 10 năm 2099 của Bộ trưởng Bộ Cây cảnh)

Mẫu số 01
TÊN VƯỜN ƯƠM
Số: ..../TTr-....
TỜ TRÌNH
Về việc đề nghị tặng Kỷ niệm chương Chồi non
Kính gửi: Bộ trưởng Bộ Cây cảnh.
Căn cứ thành tích chăm sóc cây cảnh năm ...., vườn ươm ........ đề nghị xét tặng Kỷ niệm chương Chồi non cho ...... người trồng cây có thành tích tiêu biểu (có danh sách kèm theo).
THỦ TRƯỞNG ĐƠN VỊ
(Ký, ghi rõ họ tên và đóng dấu)

PHỤ LỤC II
MẪU QUYẾT ĐỊNH TẶNG KỶ NIỆM CHƯƠNG CHỒI NON
(Kèm theo Thông tư số 99/2099/TT-BCC ngày 10 tháng 10 năm 2099 của Bộ trưởng Bộ Cây cảnh)

BỘ CÂY CẢNH
Số: ..../QĐ-BCC
QUYẾT ĐỊNH
Về việc tặng Kỷ niệm chương Chồi non
BỘ TRƯỞNG BỘ CÂY CẢNH
Căn cứ Thông tư số 99/2099/TT-BCC ngày 10 tháng 10 năm 2099;
Xét đề nghị của Vụ trưởng Vụ Thi đua cây cảnh,
QUYẾT ĐỊNH:
Điều 1. Tặng Kỷ niệm chương Chồi non cho ông (bà) ............ vì đã có thành tích chăm sóc cây cảnh tiêu biểu.
Điều 2. Quyết định này có hiệu lực kể từ ngày ký.
Điều 3. Vụ trưởng Vụ Thi đua cây cảnh và cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.
Nơi nhận:
- Như Điều 3;
- Lưu: VT.
BỘ TRƯỞNG
(Ký, ghi rõ họ tên và đóng dấu)

PHỤ LỤC III
DANH SÁCH TRÍCH NGANG NGƯỜI ĐƯỢC ĐỀ NGHỊ KHEN THƯỞNG
(Kèm theo Thông tư số 99/2099/TT-BCC ngày 10 tháng 10 năm 2099 của Bộ trưởng Bộ Cây cảnh)

STT | Họ và tên | Vườn ươm | Thành tích chăm sóc cây tiêu biểu
1 | ............ | ............ | ............
Ghi chú: danh sách xếp theo thứ tự vườn ươm, mỗi người trồng cây ghi một dòng.
"""

KE_HOACH = """ỦY BAN NHÂN DÂN TỈNH THANH TRÚC
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 45/KH-UBND

Thanh Trúc, ngày 12 tháng 02 năm 2099

KẾ HOẠCH
Phát động phong trào thi đua “Mỗi nhà một chậu bonsai” năm 2099

Thực hiện Quy chế mẫu về cây cảnh số 01/2099/QC-MAU, Ủy ban nhân dân tỉnh ban hành Kế hoạch phát động phong trào thi đua “Mỗi nhà một chậu bonsai” năm 2099 như sau:

I. MỤC ĐÍCH, YÊU CẦU

1. Mục đích

a) Khơi dậy phong trào trồng và chăm sóc bonsai trong từng gia đình trên địa bàn tỉnh;

b) Phát hiện, biểu dương những gia đình có chậu bonsai đẹp.

2. Yêu cầu

- Phong trào được tổ chức thiết thực, tiết kiệm;

- Việc bình chọn bảo đảm công khai, khách quan.

II. NỘI DUNG THI ĐUA

1. Đối tượng

Các hộ gia đình trên địa bàn tỉnh Thanh Trúc.

2. Nội dung

a) Mỗi hộ gia đình trồng ít nhất một chậu bonsai;

b) Tham gia ít nhất một buổi sinh hoạt của câu lạc bộ cây cảnh ở xã.

III. KHEN THƯỞNG

1. Danh hiệu Gia đình bonsai tiêu biểu

Tặng Giấy khen của Chủ tịch Ủy ban nhân dân tỉnh kèm một chậu sứ men lam cho mười gia đình tiêu biểu.

2. Thời gian xét

Hồ sơ gửi về Ban Cây cảnh tỉnh trước ngày 30 tháng 11 năm 2099.

IV. TỔ CHỨC THỰC HIỆN

Ban Cây cảnh tỉnh chủ trì, theo dõi và tổng hợp kết quả phong trào, báo cáo Ủy ban nhân dân tỉnh.

Nơi nhận:
- Các sở, ban, ngành;
- Lưu: VT.

TM. ỦY BAN NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Lê Thị Mẫu
"""

# A decision followed, after its signature, by text that no part heading explains.
LOST_AFTER_SIGNATURE = """ỦY BAN MẪU
Số: 3/2099/QĐ-MAU
QUYẾT ĐỊNH
Về việc tổ chức ngày hội cây cảnh mẫu
Điều 1. Tổ chức ngày hội cây cảnh mẫu vào mùa xuân năm 2099 tại vườn ươm trung tâm.
Điều 2. Quyết định này có hiệu lực kể từ ngày ký.
Nơi nhận:
- Lưu: VT.
CHỦ TỊCH
Nguyễn Văn Mẫu
Ngày hội gồm phần thi cắt tỉa bonsai, phần trưng bày chậu cảnh của các câu lạc bộ và phần trao giải cho người trồng cây cao tuổi nhất.
Mỗi câu lạc bộ được đăng ký tối đa năm chậu cảnh; chậu cảnh phải do hội viên tự tay chăm sóc ít nhất một năm.
"""


# A fictional province's rules on its own awards, for locality tests: "tỉnh Thử Nghiệm" and
# everything in it are invented.
QUY_CHE_TINH_MAU = """ỦY BAN NHÂN DÂN TỈNH THỬ NGHIỆM
Số: 07/2099/QĐ-UBND

QUY CHẾ
Thi đua, khen thưởng mẫu của tỉnh Thử Nghiệm

Điều 1. Phạm vi áp dụng

Quy chế mẫu này áp dụng cho các câu lạc bộ cây cảnh trên địa bàn tỉnh Thử Nghiệm.

Điều 2. “Cờ thi đua của Ủy ban nhân dân tỉnh Thử Nghiệm”

1. “Cờ thi đua của Ủy ban nhân dân tỉnh Thử Nghiệm” được tặng cho câu lạc bộ dẫn đầu năm.

2. Câu lạc bộ được đề nghị phải có ít nhất bảy chậu bonsai đạt giải hội chợ hoa.

Điều 3. Mức tiền thưởng

1. Câu lạc bộ được tặng “Cờ thi đua của Ủy ban nhân dân tỉnh Thử Nghiệm” được thưởng kéo.

2. Mức tiền thưởng danh hiệu thi đua của tỉnh Thử Nghiệm trả bằng hạt giống hoa.

Điều 4. Thời gian đề nghị khen thưởng

Các câu lạc bộ gửi hồ sơ đề nghị Chủ tịch Ủy ban nhân dân tỉnh khen thưởng tổng kết năm
về Ban Cây cảnh tỉnh trước ngày 15 tháng 11 hằng năm.

Điều 5. Danh hiệu “Tập thể lao động xuất sắc”

Câu lạc bộ được xét tặng danh hiệu “Tập thể lao động xuất sắc” khi có ít nhất năm chậu bonsai
đạt giải hội chợ hoa trong năm.

Điều 6. Hiệu lực

Quy chế này có hiệu lực kể từ ngày ký. Quy chế số 03/2098/QĐ-UBND hết hiệu lực kể từ
ngày Quy chế này có hiệu lực.
"""

QUY_CHE_TINH_MAU_MANIFEST = """[[document]]
file = "quy-che-tinh-mau.txt"
kind = "quyet-dinh"
number = "07/2099/QĐ-UBND"
title = "Quy chế thi đua, khen thưởng mẫu của tỉnh Thử Nghiệm"
status = "con-hieu-luc"
issuer = "Ủy ban nhân dân tỉnh Thử Nghiệm"
scope = "tỉnh Thử Nghiệm"
"""

# -- A unit's own award (issue 12): a fictional association's rules with one article per facet.
QUY_CHE_VUON_UOM = """HIỆP HỘI CÂY CẢNH MẪU
Số: 09/2099/QC-HHCC

QUY CHẾ
Khen thưởng mẫu của Hiệp hội Cây cảnh Mẫu

Điều 1. Phạm vi áp dụng

Quy chế mẫu này áp dụng cho các vườn ươm hội viên của Hiệp hội Cây cảnh Mẫu.

Điều 2. Danh hiệu “Vườn ươm Kiểu mẫu”

Danh hiệu “Vườn ươm Kiểu mẫu” để tặng hằng năm cho vườn ươm đạt các tiêu chuẩn sau đây:

1. Có ít nhất năm mươi chậu bonsai sống khỏe qua mùa đông;

2. Tổ chức ít nhất ba buổi hướng dẫn cắt tỉa cho hội viên.

Điều 3. Thẩm quyền quyết định tặng danh hiệu “Vườn ươm Kiểu mẫu”

Chủ tịch Hiệp hội Cây cảnh Mẫu quyết định tặng danh hiệu “Vườn ươm Kiểu mẫu”.

Điều 4. Thẩm quyền đề nghị

Trưởng chi hội cây cảnh đề nghị Chủ tịch Hiệp hội xét tặng danh hiệu “Vườn ươm Kiểu mẫu” cho vườn ươm thuộc chi hội.

Điều 5. Hồ sơ đề nghị tặng danh hiệu “Vườn ươm Kiểu mẫu”

1. Hồ sơ đề nghị tặng danh hiệu “Vườn ươm Kiểu mẫu” có 01 bộ gồm:

a) Tờ trình của chi hội cây cảnh;

b) Báo cáo thành tích của vườn ươm kèm ảnh chụp chậu cây.

2. Chi hội gửi kèm tệp ảnh chụp các chậu bonsai tiêu biểu.

Điều 6. Thời hạn nộp hồ sơ

Hồ sơ đề nghị tặng danh hiệu “Vườn ươm Kiểu mẫu” gửi về Hiệp hội chậm nhất vào ngày 15 tháng 11 hằng năm.

Điều 7. Mức tiền thưởng

Vườn ươm được tặng danh hiệu “Vườn ươm Kiểu mẫu” được tặng Bằng chứng nhận và được thưởng 2,5 lần mức lương cơ sở.

Điều 8. Trao tặng

Danh hiệu “Vườn ươm Kiểu mẫu” được trao tặng tại hội chợ hoa xuân của Hiệp hội Cây cảnh Mẫu.
"""
