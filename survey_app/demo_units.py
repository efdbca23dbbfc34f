"""The demo province: Thừa Thiên Huế, its departments and its district-level units (as of 2023).

Unit codes are the choice codes the bundled questionnaires use for the same bodies (the
department item of ``province_department``, the district item of ``sipas_citizens``), so a
response that names its unit by answer is linked to the unit row.
"""

from __future__ import annotations

from typing import NamedTuple


class DemoUnit(NamedTuple):
    """A unit to create: code, names in both languages and kind."""

    code: str
    name_vi: str
    name_en: str
    kind: str


PROVINCE = DemoUnit("thua_thien_hue", "Tỉnh Thừa Thiên Huế", "Thừa Thiên Huế Province", "province")

_DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("home_affairs", "Sở Nội vụ", "Department of Home Affairs"),
    ("justice", "Sở Tư pháp", "Department of Justice"),
    ("planning", "Sở Kế hoạch và Đầu tư", "Department of Planning and Investment"),
    ("finance", "Sở Tài chính", "Department of Finance"),
    ("industry_trade", "Sở Công Thương", "Department of Industry and Trade"),
    (
        "agriculture",
        "Sở Nông nghiệp và Phát triển nông thôn",
        "Department of Agriculture and Rural Development",
    ),
    ("transport", "Sở Giao thông vận tải", "Department of Transport"),
    ("construction", "Sở Xây dựng", "Department of Construction"),
    (
        "natural_resources",
        "Sở Tài nguyên và Môi trường",
        "Department of Natural Resources and Environment",
    ),
    ("information", "Sở Thông tin và Truyền thông", "Department of Information and Communications"),
    (
        "labour",
        "Sở Lao động - Thương binh và Xã hội",
        "Department of Labour, Invalids and Social Affairs",
    ),
    ("culture", "Sở Văn hóa và Thể thao", "Department of Culture and Sports"),
    ("tourism", "Sở Du lịch", "Department of Tourism"),
    ("science", "Sở Khoa học và Công nghệ", "Department of Science and Technology"),
    ("education", "Sở Giáo dục và Đào tạo", "Department of Education and Training"),
    ("health", "Sở Y tế", "Department of Health"),
    ("inspectorate", "Thanh tra tỉnh", "Provincial Inspectorate"),
    ("ethnic", "Ban Dân tộc tỉnh", "Provincial Ethnic Minorities Committee"),
    ("office", "Văn phòng Ủy ban nhân dân tỉnh", "Office of the Provincial People's Committee"),
)

_DISTRICTS: tuple[tuple[str, str, str], ...] = (
    ("hue", "Thành phố Huế", "Huế City"),
    ("huong_thuy", "Thị xã Hương Thủy", "Hương Thủy Town"),
    ("huong_tra", "Thị xã Hương Trà", "Hương Trà Town"),
    ("phong_dien", "Huyện Phong Điền", "Phong Điền District"),
    ("quang_dien", "Huyện Quảng Điền", "Quảng Điền District"),
    ("phu_vang", "Huyện Phú Vang", "Phú Vang District"),
    ("phu_loc", "Huyện Phú Lộc", "Phú Lộc District"),
    ("nam_dong", "Huyện Nam Đông", "Nam Đông District"),
    ("a_luoi", "Huyện A Lưới", "A Lưới District"),
)

DEPARTMENTS: tuple[DemoUnit, ...] = tuple(
    DemoUnit(code, vi, en, "department") for code, vi, en in _DEPARTMENTS
)
DISTRICTS: tuple[DemoUnit, ...] = tuple(
    DemoUnit(code, vi, en, "district") for code, vi, en in _DISTRICTS
)
